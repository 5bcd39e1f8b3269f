use heron as hn;
use heron::prelude::*;
use std::time::Instant;
fn main() {
    let dir = std::env::var("HERON_CACHE_DIR").unwrap();
    let v = Variable::new(hn::zeros(&[1000], DType::F32));
    let step = hn::jit_named("s", { let v = v.clone(); move |i: Array| { v.set(&v.value() * 0.9 + &i); v.value().ge(1.0) } });
    let x = hn::zeros(&[1000], DType::F32);
    let t = Instant::now(); let low = step.lower(&x); println!("lower {:?}", t.elapsed());
    let g = low.optimized_graph();
    let sig = vec!["f32[1000]".to_string()];
    let t = Instant::now(); let k = hn::cache::key_for(&sig, g); println!("key first {:?}", t.elapsed());
    let t = Instant::now(); let k2 = hn::cache::key_for(&sig, g); println!("key again {:?}", t.elapsed()); assert_eq!(k,k2);
    let t = Instant::now(); let c = step.compile(&x); println!("compile/load {:?} disk={}", t.elapsed(), c.from_disk());
    let store = hn::cache::Store::open(&dir).unwrap();
    let t = Instant::now(); let bytes = std::fs::read(store.entry_path(&k)).unwrap(); println!("fs read {:?} {}B", t.elapsed(), bytes.len());
    let t = Instant::now(); let r = hn::cache::decode(&bytes).unwrap(); println!("decode {:?}", t.elapsed());
    let t = Instant::now(); let _ = store.read(&k).unwrap(); println!("store.read {:?}", t.elapsed());
    let t = Instant::now(); store.update_usage(&k, |u| u.hits += 0).unwrap(); println!("usage {:?}", t.elapsed());
    let t = Instant::now(); let s = g.to_text(); println!("to_text {:?} {}", t.elapsed(), s.len());
    let t = Instant::now(); let e = hn::cache::encode(&r); println!("encode {:?} {}", t.elapsed(), e.len());
    let t = Instant::now(); {let mut f = tempfile::NamedTempFile::new_in(&dir).unwrap(); use std::io::Write; f.write_all(&e).unwrap(); f.as_file().sync_data().unwrap();} println!("write+sync {:?}", t.elapsed());
}
