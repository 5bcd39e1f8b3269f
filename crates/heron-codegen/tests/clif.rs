//! CLIF snapshots of a few representative kernels: a LIF step (one
//! multi-store loop), a softmax row group, a column sum, the two stages of a
//! split f32 sum and Threefry bits drawn in the loop. The text is the
//! Cranelift IR as defined, before the target's own lowering; the one
//! machine-dependent part is left out:
//! the kernel computing `exp` (whose polynomial uses `fma` only where the
//! CPU has it) is not printed (`normalise`). Refresh with `UPDATE_EXPECT=1` and read the diff.

use expect_test::{Expect, expect};
use heron_codegen::compile;
use heron_ir::{
    BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp,
};

/// A new argument of `dims` and `dtype`.
fn arg(g: &mut Graph, dims: &[usize], dtype: DType) -> NodeId {
    let n = g.params.len() as u32;
    g.param(Shape::new(dims), dtype, ParamRole::Arg(n))
}

/// A binary node.
fn bin(g: &mut Graph, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
    g.add(Op::Binary(op), &[a, b]).expect("type-checks")
}

/// An f32 scalar constant.
fn f32c(g: &mut Graph, v: f32) -> NodeId {
    g.constant(heron_ir::Value::scalar(heron_ir::Scalar::F32(v)))
}

/// `op` over `axes` of `x`.
fn reduce(g: &mut Graph, op: ReduceOp, x: NodeId, axes: &[usize]) -> NodeId {
    let axes = axes.iter().copied().collect();
    g.add(Op::Reduce { op, axes }, &[x]).expect("type-checks")
}

/// Compiles `g` and compares its normalised CLIF with `expect`.
fn check_clif(g: &Graph, expect: Expect) {
    check_clif_without(g, &[], expect);
}

/// `check_clif` leaving out the kernels named in `skip`.
fn check_clif_without(g: &Graph, skip: &[&str], expect: Expect) {
    let exe = compile(g).expect("compiles");
    expect.assert_eq(&normalise(&exe.clif_text(), skip));
}

/// The CLIF text with what depends on the machine removed: the kernels named
/// in `skip` (inline transcendental math, whose polynomial steps are `fma`s
/// only where the CPU has them), and any line naming a target flag.
fn normalise(text: &str, skip: &[&str]) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("; kernel ") {
            skipping = skip.contains(&name.trim());
            if skipping {
                out.push(format!(
                    "; kernel {} (left out: depends on the CPU)",
                    name.trim()
                ));
            }
        }
        if !skipping && !line.contains("has_") {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

#[test]
fn lif_step() {
    let mut g = Graph::new();
    let v = arg(&mut g, &[1000], DType::F32);
    let t = arg(&mut g, &[1000], DType::F32);
    let (rest, k, th, reset, now) = (
        f32c(&mut g, -65.0),
        f32c(&mut g, 0.1),
        f32c(&mut g, -50.0),
        f32c(&mut g, -70.0),
        f32c(&mut g, 3.0),
    );
    let leak = bin(&mut g, BinaryOp::Sub, rest, v);
    let leak = bin(&mut g, BinaryOp::Mul, leak, k);
    let v1 = bin(&mut g, BinaryOp::Add, v, leak);
    let s = bin(&mut g, BinaryOp::Gt, v1, th);
    let v2 = g.add(Op::Select, &[s, reset, v1]).unwrap();
    let t2 = g.add(Op::Select, &[s, now, t]).unwrap();
    g.output(v2, OutputRole::Result(0));
    g.output(t2, OutputRole::Result(1));
    g.output(s, OutputRole::Result(2));
    check_clif(
        &g,
        expect![[r#"
        ; kernel k0
        function u0:0(i64, i64, i64) system_v {
        block0(v0: i64, v1: i64, v2: i64):
            v20 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = load.i64 notrap aligned readonly v0+24
            v7 = load.i64 notrap aligned readonly v0+32
            v8 = load.i64 notrap aligned readonly v0+40
            v9 = iconst.i64 0
            v10 = iconst.i64 0
            v11 = iconst.i64 0
            v12 = iconst.i64 0
            v13 = iconst.i64 0
            v14 = iconst.i64 0
            v15 = iconst.i64 1
            v16 = imul v1, v15  ; v15 = 1
            v17 = iadd v9, v16  ; v9 = 0
            v186 -> v17
            v18 = isub v2, v1
            v19 -> v18
            v267 -> v19
            v268 -> v19
            v269 -> v19
            jump block1

        block1:
            brif.i64 v19, block2, block3

        block2:
            v21 = iconst.i64 1000
            v22 = isub v21, v20  ; v21 = 1000
            v23 = umin v22, v19
            v24 = iconst.i64 0
            jump block4(v24, v186)  ; v24 = 0

        block4(v25: i64, v29: i64):
            v26 = isub.i64 v23, v25
            v27 = iconst.i64 16
            v28 = icmp uge v26, v27  ; v27 = 16
            brif v28, block5, block6

        block5:
            v30 = iconst.i64 2
            v31 = ishl.i64 v29, v30  ; v30 = 2
            v32 = iadd.i64 v3, v31
            v33 = load.f32x4 notrap v32
            v34 = f32const -0x1.040000p6
            v35 = splat.f32x4 v34  ; v34 = -0x1.040000p6
            v36 = fsub v35, v33
            v37 = f32const 0x1.99999ap-4
            v38 = splat.f32x4 v37  ; v37 = 0x1.99999ap-4
            v39 = fmul v36, v38
            v40 = fadd v33, v39
            v41 = f32const -0x1.900000p5
            v42 = splat.f32x4 v41  ; v41 = -0x1.900000p5
            v43 = fcmp gt v40, v42
            v44 = f32const -0x1.180000p6
            v45 = splat.f32x4 v44  ; v44 = -0x1.180000p6
            v46 = bitcast.f32x4 v43
            v47 = bitselect v46, v45, v40
            v48 = f32const 0x1.800000p1
            v49 = splat.f32x4 v48  ; v48 = 0x1.800000p1
            v50 = iconst.i64 2
            v51 = ishl.i64 v29, v50  ; v50 = 2
            v52 = iadd.i64 v4, v51
            v53 = load.f32x4 notrap v52
            v54 = bitcast.f32x4 v43
            v55 = bitselect v54, v49, v53
            v56 = iadd.i64 v5, v29
            v57 = ineg v43
            v58 = snarrow v57, v57
            v59 = snarrow v58, v58
            v60 = bitcast.i32x4 little v59
            v61 = extractlane v60, 0
            store notrap v61, v56
            v62 = iconst.i64 2
            v63 = ishl.i64 v29, v62  ; v62 = 2
            v64 = iadd.i64 v6, v63
            store notrap v47, v64
            v65 = iconst.i64 2
            v66 = ishl.i64 v29, v65  ; v65 = 2
            v67 = iadd.i64 v7, v66
            store notrap v55, v67
            v68 = iconst.i64 2
            v69 = ishl.i64 v29, v68  ; v68 = 2
            v70 = iadd.i64 v3, v69
            v71 = load.f32x4 notrap v70+16
            v72 = f32const -0x1.040000p6
            v73 = splat.f32x4 v72  ; v72 = -0x1.040000p6
            v74 = fsub v73, v71
            v75 = f32const 0x1.99999ap-4
            v76 = splat.f32x4 v75  ; v75 = 0x1.99999ap-4
            v77 = fmul v74, v76
            v78 = fadd v71, v77
            v79 = f32const -0x1.900000p5
            v80 = splat.f32x4 v79  ; v79 = -0x1.900000p5
            v81 = fcmp gt v78, v80
            v82 = f32const -0x1.180000p6
            v83 = splat.f32x4 v82  ; v82 = -0x1.180000p6
            v84 = bitcast.f32x4 v81
            v85 = bitselect v84, v83, v78
            v86 = f32const 0x1.800000p1
            v87 = splat.f32x4 v86  ; v86 = 0x1.800000p1
            v88 = iconst.i64 2
            v89 = ishl.i64 v29, v88  ; v88 = 2
            v90 = iadd.i64 v4, v89
            v91 = load.f32x4 notrap v90+16
            v92 = bitcast.f32x4 v81
            v93 = bitselect v92, v87, v91
            v94 = iadd.i64 v5, v29
            v95 = ineg v81
            v96 = snarrow v95, v95
            v97 = snarrow v96, v96
            v98 = bitcast.i32x4 little v97
            v99 = extractlane v98, 0
            store notrap v99, v94+4
            v100 = iconst.i64 2
            v101 = ishl.i64 v29, v100  ; v100 = 2
            v102 = iadd.i64 v6, v101
            store notrap v85, v102+16
            v103 = iconst.i64 2
            v104 = ishl.i64 v29, v103  ; v103 = 2
            v105 = iadd.i64 v7, v104
            store notrap v93, v105+16
            v106 = iconst.i64 2
            v107 = ishl.i64 v29, v106  ; v106 = 2
            v108 = iadd.i64 v3, v107
            v109 = load.f32x4 notrap v108+32
            v110 = f32const -0x1.040000p6
            v111 = splat.f32x4 v110  ; v110 = -0x1.040000p6
            v112 = fsub v111, v109
            v113 = f32const 0x1.99999ap-4
            v114 = splat.f32x4 v113  ; v113 = 0x1.99999ap-4
            v115 = fmul v112, v114
            v116 = fadd v109, v115
            v117 = f32const -0x1.900000p5
            v118 = splat.f32x4 v117  ; v117 = -0x1.900000p5
            v119 = fcmp gt v116, v118
            v120 = f32const -0x1.180000p6
            v121 = splat.f32x4 v120  ; v120 = -0x1.180000p6
            v122 = bitcast.f32x4 v119
            v123 = bitselect v122, v121, v116
            v124 = f32const 0x1.800000p1
            v125 = splat.f32x4 v124  ; v124 = 0x1.800000p1
            v126 = iconst.i64 2
            v127 = ishl.i64 v29, v126  ; v126 = 2
            v128 = iadd.i64 v4, v127
            v129 = load.f32x4 notrap v128+32
            v130 = bitcast.f32x4 v119
            v131 = bitselect v130, v125, v129
            v132 = iadd.i64 v5, v29
            v133 = ineg v119
            v134 = snarrow v133, v133
            v135 = snarrow v134, v134
            v136 = bitcast.i32x4 little v135
            v137 = extractlane v136, 0
            store notrap v137, v132+8
            v138 = iconst.i64 2
            v139 = ishl.i64 v29, v138  ; v138 = 2
            v140 = iadd.i64 v6, v139
            store notrap v123, v140+32
            v141 = iconst.i64 2
            v142 = ishl.i64 v29, v141  ; v141 = 2
            v143 = iadd.i64 v7, v142
            store notrap v131, v143+32
            v144 = iconst.i64 2
            v145 = ishl.i64 v29, v144  ; v144 = 2
            v146 = iadd.i64 v3, v145
            v147 = load.f32x4 notrap v146+48
            v148 = f32const -0x1.040000p6
            v149 = splat.f32x4 v148  ; v148 = -0x1.040000p6
            v150 = fsub v149, v147
            v151 = f32const 0x1.99999ap-4
            v152 = splat.f32x4 v151  ; v151 = 0x1.99999ap-4
            v153 = fmul v150, v152
            v154 = fadd v147, v153
            v155 = f32const -0x1.900000p5
            v156 = splat.f32x4 v155  ; v155 = -0x1.900000p5
            v157 = fcmp gt v154, v156
            v158 = f32const -0x1.180000p6
            v159 = splat.f32x4 v158  ; v158 = -0x1.180000p6
            v160 = bitcast.f32x4 v157
            v161 = bitselect v160, v159, v154
            v162 = f32const 0x1.800000p1
            v163 = splat.f32x4 v162  ; v162 = 0x1.800000p1
            v164 = iconst.i64 2
            v165 = ishl.i64 v29, v164  ; v164 = 2
            v166 = iadd.i64 v4, v165
            v167 = load.f32x4 notrap v166+48
            v168 = bitcast.f32x4 v157
            v169 = bitselect v168, v163, v167
            v170 = iadd.i64 v5, v29
            v171 = ineg v157
            v172 = snarrow v171, v171
            v173 = snarrow v172, v172
            v174 = bitcast.i32x4 little v173
            v175 = extractlane v174, 0
            store notrap v175, v170+12
            v176 = iconst.i64 2
            v177 = ishl.i64 v29, v176  ; v176 = 2
            v178 = iadd.i64 v6, v177
            store notrap v161, v178+48
            v179 = iconst.i64 2
            v180 = ishl.i64 v29, v179  ; v179 = 2
            v181 = iadd.i64 v7, v180
            store notrap v169, v181+48
            v182 = iconst.i64 16
            v183 = iadd.i64 v29, v182  ; v182 = 16
            v184 = iconst.i64 16
            v185 = iadd.i64 v25, v184  ; v184 = 16
            jump block4(v185, v183)

        block6:
            jump block7(v25, v29)

        block7(v187: i64, v191: i64):
            v188 = isub.i64 v23, v187
            v189 = iconst.i64 4
            v190 = icmp uge v188, v189  ; v189 = 4
            brif v190, block8, block9

        block8:
            v192 = iconst.i64 2
            v193 = ishl.i64 v191, v192  ; v192 = 2
            v194 = iadd.i64 v3, v193
            v195 = load.f32x4 notrap v194
            v196 = f32const -0x1.040000p6
            v197 = splat.f32x4 v196  ; v196 = -0x1.040000p6
            v198 = fsub v197, v195
            v199 = f32const 0x1.99999ap-4
            v200 = splat.f32x4 v199  ; v199 = 0x1.99999ap-4
            v201 = fmul v198, v200
            v202 = fadd v195, v201
            v203 = f32const -0x1.900000p5
            v204 = splat.f32x4 v203  ; v203 = -0x1.900000p5
            v205 = fcmp gt v202, v204
            v206 = f32const -0x1.180000p6
            v207 = splat.f32x4 v206  ; v206 = -0x1.180000p6
            v208 = bitcast.f32x4 v205
            v209 = bitselect v208, v207, v202
            v210 = f32const 0x1.800000p1
            v211 = splat.f32x4 v210  ; v210 = 0x1.800000p1
            v212 = iconst.i64 2
            v213 = ishl.i64 v191, v212  ; v212 = 2
            v214 = iadd.i64 v4, v213
            v215 = load.f32x4 notrap v214
            v216 = bitcast.f32x4 v205
            v217 = bitselect v216, v211, v215
            v218 = iadd.i64 v5, v191
            v219 = ineg v205
            v220 = snarrow v219, v219
            v221 = snarrow v220, v220
            v222 = bitcast.i32x4 little v221
            v223 = extractlane v222, 0
            store notrap v223, v218
            v224 = iconst.i64 2
            v225 = ishl.i64 v191, v224  ; v224 = 2
            v226 = iadd.i64 v6, v225
            store notrap v209, v226
            v227 = iconst.i64 2
            v228 = ishl.i64 v191, v227  ; v227 = 2
            v229 = iadd.i64 v7, v228
            store notrap v217, v229
            v230 = iconst.i64 4
            v231 = iadd.i64 v191, v230  ; v230 = 4
            v232 = iconst.i64 4
            v233 = iadd.i64 v187, v232  ; v232 = 4
            jump block7(v233, v231)

        block9:
            jump block10(v187, v191)

        block10(v234: i64, v236: i64):
            v235 = icmp ult v234, v23
            brif v235, block11, block12

        block11:
            v237 = iconst.i64 2
            v238 = ishl.i64 v236, v237  ; v237 = 2
            v239 = iadd.i64 v3, v238
            v240 = load.f32 notrap aligned v239
            v241 = f32const -0x1.040000p6
            v242 = fsub v241, v240  ; v241 = -0x1.040000p6
            v243 = f32const 0x1.99999ap-4
            v244 = fmul v242, v243  ; v243 = 0x1.99999ap-4
            v245 = fadd v240, v244
            v246 = f32const -0x1.900000p5
            v247 = fcmp gt v245, v246  ; v246 = -0x1.900000p5
            v248 = f32const -0x1.180000p6
            v249 = select v247, v248, v245  ; v248 = -0x1.180000p6
            v250 = f32const 0x1.800000p1
            v251 = iconst.i64 2
            v252 = ishl.i64 v236, v251  ; v251 = 2
            v253 = iadd.i64 v4, v252
            v254 = load.f32 notrap aligned v253
            v255 = select v247, v250, v254  ; v250 = 0x1.800000p1
            v256 = iadd.i64 v5, v236
            store notrap aligned v247, v256
            v257 = iconst.i64 2
            v258 = ishl.i64 v236, v257  ; v257 = 2
            v259 = iadd.i64 v6, v258
            store notrap aligned v249, v259
            v260 = iconst.i64 2
            v261 = ishl.i64 v236, v260  ; v260 = 2
            v262 = iadd.i64 v7, v261
            store notrap aligned v255, v262
            v263 = iconst.i64 1
            v264 = iadd.i64 v236, v263  ; v263 = 1
            v265 = iconst.i64 1
            v266 = iadd.i64 v234, v265  ; v265 = 1
            jump block10(v266, v264)

        block12:
            v270 = isub.i64 v19, v23
            jump block3

        block3:
            return
        }
    "#]],
    );
}

#[test]
fn softmax_row_group() {
    let mut g = Graph::new();
    let x = arg(&mut g, &[64, 512], DType::F32);
    let keep = |g: &mut Graph, op, x| {
        let r = reduce(g, op, x, &[1]);
        g.add(Op::Reshape(Shape::new(&[64, 1])), &[r]).unwrap()
    };
    let m = keep(&mut g, ReduceOp::Max, x);
    let d = bin(&mut g, BinaryOp::Sub, x, m);
    let e = g.add(Op::Unary(UnaryOp::Exp), &[d]).unwrap();
    let s = keep(&mut g, ReduceOp::Sum, e);
    let y = bin(&mut g, BinaryOp::Div, e, s);
    g.output(y, OutputRole::Result(0));
    // k1 computes `exp` inline (CPU-dependent `fma`s); k0, k2, k3 are the
    // row group's max, sum and divide.
    check_clif_without(
        &g,
        &["k1"],
        expect![[r#"
        ; kernel k0
        function u0:0(i64, i64, i64) system_v {
        block0(v0: i64, v1: i64, v2: i64):
            v17 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = iconst.i64 0
            v7 = iconst.i64 0
            v8 = iconst.i64 0
            v9 = iconst.i64 512
            v10 = imul v1, v9  ; v9 = 512
            v11 = iadd v6, v10  ; v6 = 0
            v625 -> v11
            v12 = iconst.i64 1
            v13 = imul v1, v12  ; v12 = 1
            v14 = iadd v7, v13  ; v7 = 0
            v626 -> v14
            v15 = isub v2, v1
            v16 -> v15
            v627 -> v16
            v628 -> v627
            v629 -> v627
            v630 -> v627
            v631 -> v627
            jump block1

        block1:
            brif.i64 v16, block2, block3

        block2:
            v18 = iconst.i64 64
            v19 = isub v18, v17  ; v18 = 64
            v20 = umin v19, v16
            v21 = iconst.i64 0
            jump block4(v21, v625, v626)  ; v21 = 0

        block4(v22: i64, v24: i64, v25: i64):
            v619 -> v22
            v620 -> v22
            v621 -> v22
            v622 -> v22
            v166 -> v24
            v607 -> v24
            v608 -> v24
            v609 -> v24
            v610 -> v24
            v613 -> v25
            v614 -> v25
            v615 -> v25
            v616 -> v25
            v23 = icmp ult v22, v20
            brif v23, block5, block6

        block5:
            v26 = f32const -Inf
            v223 -> v26
            v221 -> v223
            v222 -> v223
            v27 = f32const -Inf
            v28 = splat.f32x4 v27  ; v27 = -Inf
            v167 -> v28
            v168 -> v28
            v169 -> v28
            v170 -> v28
            v171 -> v28
            v172 -> v28
            v173 -> v28
            v174 -> v28
            v29 = iconst.i64 512
            v31 -> v29
            v224 -> v31
            v225 -> v31
            v226 -> v31
            v30 = iconst.i64 0
            v32 -> v30
            jump block7

        block7:
            brif.i64 v31, block8, block9(v167, v223, v168, v169, v170, v171, v172, v173, v174)  ; v31 = 512, v223 = -Inf

        block8:
            v33 = iconst.i64 512
            v34 = isub v33, v32  ; v33 = 512, v32 = 0
            v35 = umin v34, v31  ; v31 = 512
            v36 = iconst.i64 0
            jump block10(v36, v166, v167, v168, v169, v170, v171, v172, v173, v174)  ; v36 = 0

        block10(v37: i64, v41: i64, v46: f32x4, v61: f32x4, v76: f32x4, v91: f32x4, v106: f32x4, v121: f32x4, v136: f32x4, v151: f32x4):
            v276 -> v61
            v277 -> v61
            v323 -> v76
            v324 -> v76
            v370 -> v91
            v371 -> v91
            v417 -> v106
            v418 -> v106
            v464 -> v121
            v465 -> v121
            v511 -> v136
            v512 -> v136
            v558 -> v151
            v559 -> v151
            v38 = isub.i64 v35, v37
            v39 = iconst.i64 32
            v40 = icmp uge v38, v39  ; v39 = 32
            brif v40, block11, block12

        block11:
            v42 = iconst.i64 2
            v43 = ishl.i64 v41, v42  ; v42 = 2
            v44 = iadd.i64 v3, v43
            v45 = load.f32x4 notrap v44
            v47 = fcmp lt v45, v46
            v48 = bitcast.f32x4 little v47
            v49 = bitselect.f32x4 v48, v46, v45
            v50 = fcmp.f32x4 lt v46, v45
            v51 = bitcast.f32x4 little v50
            v52 = bitselect v51, v45, v46
            v53 = band v49, v52
            v54 = fcmp.f32x4 uno v46, v45
            v55 = bitcast.f32x4 little v54
            v56 = bor v53, v55
            v57 = iconst.i64 2
            v58 = ishl.i64 v41, v57  ; v57 = 2
            v59 = iadd.i64 v3, v58
            v60 = load.f32x4 notrap v59+16
            v62 = fcmp lt v60, v61
            v63 = bitcast.f32x4 little v62
            v64 = bitselect.f32x4 v63, v61, v60
            v65 = fcmp.f32x4 lt v61, v60
            v66 = bitcast.f32x4 little v65
            v67 = bitselect v66, v60, v61
            v68 = band v64, v67
            v69 = fcmp.f32x4 uno v61, v60
            v70 = bitcast.f32x4 little v69
            v71 = bor v68, v70
            v72 = iconst.i64 2
            v73 = ishl.i64 v41, v72  ; v72 = 2
            v74 = iadd.i64 v3, v73
            v75 = load.f32x4 notrap v74+32
            v77 = fcmp lt v75, v76
            v78 = bitcast.f32x4 little v77
            v79 = bitselect.f32x4 v78, v76, v75
            v80 = fcmp.f32x4 lt v76, v75
            v81 = bitcast.f32x4 little v80
            v82 = bitselect v81, v75, v76
            v83 = band v79, v82
            v84 = fcmp.f32x4 uno v76, v75
            v85 = bitcast.f32x4 little v84
            v86 = bor v83, v85
            v87 = iconst.i64 2
            v88 = ishl.i64 v41, v87  ; v87 = 2
            v89 = iadd.i64 v3, v88
            v90 = load.f32x4 notrap v89+48
            v92 = fcmp lt v90, v91
            v93 = bitcast.f32x4 little v92
            v94 = bitselect.f32x4 v93, v91, v90
            v95 = fcmp.f32x4 lt v91, v90
            v96 = bitcast.f32x4 little v95
            v97 = bitselect v96, v90, v91
            v98 = band v94, v97
            v99 = fcmp.f32x4 uno v91, v90
            v100 = bitcast.f32x4 little v99
            v101 = bor v98, v100
            v102 = iconst.i64 2
            v103 = ishl.i64 v41, v102  ; v102 = 2
            v104 = iadd.i64 v3, v103
            v105 = load.f32x4 notrap v104+64
            v107 = fcmp lt v105, v106
            v108 = bitcast.f32x4 little v107
            v109 = bitselect.f32x4 v108, v106, v105
            v110 = fcmp.f32x4 lt v106, v105
            v111 = bitcast.f32x4 little v110
            v112 = bitselect v111, v105, v106
            v113 = band v109, v112
            v114 = fcmp.f32x4 uno v106, v105
            v115 = bitcast.f32x4 little v114
            v116 = bor v113, v115
            v117 = iconst.i64 2
            v118 = ishl.i64 v41, v117  ; v117 = 2
            v119 = iadd.i64 v3, v118
            v120 = load.f32x4 notrap v119+80
            v122 = fcmp lt v120, v121
            v123 = bitcast.f32x4 little v122
            v124 = bitselect.f32x4 v123, v121, v120
            v125 = fcmp.f32x4 lt v121, v120
            v126 = bitcast.f32x4 little v125
            v127 = bitselect v126, v120, v121
            v128 = band v124, v127
            v129 = fcmp.f32x4 uno v121, v120
            v130 = bitcast.f32x4 little v129
            v131 = bor v128, v130
            v132 = iconst.i64 2
            v133 = ishl.i64 v41, v132  ; v132 = 2
            v134 = iadd.i64 v3, v133
            v135 = load.f32x4 notrap v134+96
            v137 = fcmp lt v135, v136
            v138 = bitcast.f32x4 little v137
            v139 = bitselect.f32x4 v138, v136, v135
            v140 = fcmp.f32x4 lt v136, v135
            v141 = bitcast.f32x4 little v140
            v142 = bitselect v141, v135, v136
            v143 = band v139, v142
            v144 = fcmp.f32x4 uno v136, v135
            v145 = bitcast.f32x4 little v144
            v146 = bor v143, v145
            v147 = iconst.i64 2
            v148 = ishl.i64 v41, v147  ; v147 = 2
            v149 = iadd.i64 v3, v148
            v150 = load.f32x4 notrap v149+112
            v152 = fcmp lt v150, v151
            v153 = bitcast.f32x4 little v152
            v154 = bitselect.f32x4 v153, v151, v150
            v155 = fcmp.f32x4 lt v151, v150
            v156 = bitcast.f32x4 little v155
            v157 = bitselect v156, v150, v151
            v158 = band v154, v157
            v159 = fcmp.f32x4 uno v151, v150
            v160 = bitcast.f32x4 little v159
            v161 = bor v158, v160
            v162 = iconst.i64 32
            v163 = iadd.i64 v41, v162  ; v162 = 32
            v164 = iconst.i64 32
            v165 = iadd.i64 v37, v164  ; v164 = 32
            jump block10(v165, v163, v56, v71, v86, v101, v116, v131, v146, v161)

        block12:
            jump block13(v37, v41, v46)

        block13(v175: i64, v179: i64, v184: f32x4):
            v229 -> v184
            v176 = isub.i64 v35, v175
            v177 = iconst.i64 4
            v178 = icmp uge v176, v177  ; v177 = 4
            brif v178, block14, block15

        block14:
            v180 = iconst.i64 2
            v181 = ishl.i64 v179, v180  ; v180 = 2
            v182 = iadd.i64 v3, v181
            v183 = load.f32x4 notrap v182
            v185 = fcmp lt v183, v184
            v186 = bitcast.f32x4 little v185
            v187 = bitselect.f32x4 v186, v184, v183
            v188 = fcmp.f32x4 lt v184, v183
            v189 = bitcast.f32x4 little v188
            v190 = bitselect v189, v183, v184
            v191 = band v187, v190
            v192 = fcmp.f32x4 uno v184, v183
            v193 = bitcast.f32x4 little v192
            v194 = bor v191, v193
            v195 = iconst.i64 4
            v196 = iadd.i64 v179, v195  ; v195 = 4
            v197 = iconst.i64 4
            v198 = iadd.i64 v175, v197  ; v197 = 4
            jump block13(v198, v196, v194)

        block15:
            jump block16(v175, v179, v223)  ; v223 = -Inf

        block16(v199: i64, v201: i64, v206: f32):
            v200 = icmp ult v199, v35
            brif v200, block17, block18

        block17:
            v202 = iconst.i64 2
            v203 = ishl.i64 v201, v202  ; v202 = 2
            v204 = iadd.i64 v3, v203
            v205 = load.f32 notrap aligned v204
            v207 = fcmp.f32 gt v206, v205
            v208 = fcmp.f32 uno v206, v206
            v209 = bor v207, v208
            v210 = select.f32 v209, v206, v205
            v211 = bitcast.i32 v206
            v212 = bitcast.i32 v205
            v213 = band v211, v212
            v214 = bitcast.f32 v213
            v215 = fcmp.f32 eq v206, v205
            v216 = select v215, v214, v210
            v217 = iconst.i64 1
            v218 = iadd.i64 v201, v217  ; v217 = 1
            v219 = iconst.i64 1
            v220 = iadd.i64 v199, v219  ; v219 = 1
            jump block16(v220, v218, v216)

        block18:
            v227 = isub.i64 v31, v35  ; v31 = 512
            jump block9(v184, v206, v61, v76, v91, v106, v121, v136, v151)

        block9(v228: f32x4, v231: f32, v275: f32x4, v322: f32x4, v369: f32x4, v416: f32x4, v463: f32x4, v510: f32x4, v557: f32x4):
            v230 = extractlane v228, 0
            v232 = fcmp gt v231, v230
            v233 = fcmp uno v231, v231
            v234 = bor v232, v233
            v235 = select v234, v231, v230
            v236 = bitcast.i32 v231
            v237 = bitcast.i32 v230
            v238 = band v236, v237
            v239 = bitcast.f32 v238
            v240 = fcmp eq v231, v230
            v241 = select v240, v239, v235
            v242 = extractlane v228, 1
            v243 = fcmp gt v241, v242
            v244 = fcmp uno v241, v241
            v245 = bor v243, v244
            v246 = select v245, v241, v242
            v247 = bitcast.i32 v241
            v248 = bitcast.i32 v242
            v249 = band v247, v248
            v250 = bitcast.f32 v249
            v251 = fcmp eq v241, v242
            v252 = select v251, v250, v246
            v253 = extractlane v228, 2
            v254 = fcmp gt v252, v253
            v255 = fcmp uno v252, v252
            v256 = bor v254, v255
            v257 = select v256, v252, v253
            v258 = bitcast.i32 v252
            v259 = bitcast.i32 v253
            v260 = band v258, v259
            v261 = bitcast.f32 v260
            v262 = fcmp eq v252, v253
            v263 = select v262, v261, v257
            v264 = extractlane v228, 3
            v265 = fcmp gt v263, v264
            v266 = fcmp uno v263, v263
            v267 = bor v265, v266
            v268 = select v267, v263, v264
            v269 = bitcast.i32 v263
            v270 = bitcast.i32 v264
            v271 = band v269, v270
            v272 = bitcast.f32 v271
            v273 = fcmp eq v263, v264
            v274 = select v273, v272, v268
            v278 = extractlane v275, 0
            v279 = fcmp gt v274, v278
            v280 = fcmp uno v274, v274
            v281 = bor v279, v280
            v282 = select v281, v274, v278
            v283 = bitcast.i32 v274
            v284 = bitcast.i32 v278
            v285 = band v283, v284
            v286 = bitcast.f32 v285
            v287 = fcmp eq v274, v278
            v288 = select v287, v286, v282
            v289 = extractlane v275, 1
            v290 = fcmp gt v288, v289
            v291 = fcmp uno v288, v288
            v292 = bor v290, v291
            v293 = select v292, v288, v289
            v294 = bitcast.i32 v288
            v295 = bitcast.i32 v289
            v296 = band v294, v295
            v297 = bitcast.f32 v296
            v298 = fcmp eq v288, v289
            v299 = select v298, v297, v293
            v300 = extractlane v275, 2
            v301 = fcmp gt v299, v300
            v302 = fcmp uno v299, v299
            v303 = bor v301, v302
            v304 = select v303, v299, v300
            v305 = bitcast.i32 v299
            v306 = bitcast.i32 v300
            v307 = band v305, v306
            v308 = bitcast.f32 v307
            v309 = fcmp eq v299, v300
            v310 = select v309, v308, v304
            v311 = extractlane v275, 3
            v312 = fcmp gt v310, v311
            v313 = fcmp uno v310, v310
            v314 = bor v312, v313
            v315 = select v314, v310, v311
            v316 = bitcast.i32 v310
            v317 = bitcast.i32 v311
            v318 = band v316, v317
            v319 = bitcast.f32 v318
            v320 = fcmp eq v310, v311
            v321 = select v320, v319, v315
            v325 = extractlane v322, 0
            v326 = fcmp gt v321, v325
            v327 = fcmp uno v321, v321
            v328 = bor v326, v327
            v329 = select v328, v321, v325
            v330 = bitcast.i32 v321
            v331 = bitcast.i32 v325
            v332 = band v330, v331
            v333 = bitcast.f32 v332
            v334 = fcmp eq v321, v325
            v335 = select v334, v333, v329
            v336 = extractlane v322, 1
            v337 = fcmp gt v335, v336
            v338 = fcmp uno v335, v335
            v339 = bor v337, v338
            v340 = select v339, v335, v336
            v341 = bitcast.i32 v335
            v342 = bitcast.i32 v336
            v343 = band v341, v342
            v344 = bitcast.f32 v343
            v345 = fcmp eq v335, v336
            v346 = select v345, v344, v340
            v347 = extractlane v322, 2
            v348 = fcmp gt v346, v347
            v349 = fcmp uno v346, v346
            v350 = bor v348, v349
            v351 = select v350, v346, v347
            v352 = bitcast.i32 v346
            v353 = bitcast.i32 v347
            v354 = band v352, v353
            v355 = bitcast.f32 v354
            v356 = fcmp eq v346, v347
            v357 = select v356, v355, v351
            v358 = extractlane v322, 3
            v359 = fcmp gt v357, v358
            v360 = fcmp uno v357, v357
            v361 = bor v359, v360
            v362 = select v361, v357, v358
            v363 = bitcast.i32 v357
            v364 = bitcast.i32 v358
            v365 = band v363, v364
            v366 = bitcast.f32 v365
            v367 = fcmp eq v357, v358
            v368 = select v367, v366, v362
            v372 = extractlane v369, 0
            v373 = fcmp gt v368, v372
            v374 = fcmp uno v368, v368
            v375 = bor v373, v374
            v376 = select v375, v368, v372
            v377 = bitcast.i32 v368
            v378 = bitcast.i32 v372
            v379 = band v377, v378
            v380 = bitcast.f32 v379
            v381 = fcmp eq v368, v372
            v382 = select v381, v380, v376
            v383 = extractlane v369, 1
            v384 = fcmp gt v382, v383
            v385 = fcmp uno v382, v382
            v386 = bor v384, v385
            v387 = select v386, v382, v383
            v388 = bitcast.i32 v382
            v389 = bitcast.i32 v383
            v390 = band v388, v389
            v391 = bitcast.f32 v390
            v392 = fcmp eq v382, v383
            v393 = select v392, v391, v387
            v394 = extractlane v369, 2
            v395 = fcmp gt v393, v394
            v396 = fcmp uno v393, v393
            v397 = bor v395, v396
            v398 = select v397, v393, v394
            v399 = bitcast.i32 v393
            v400 = bitcast.i32 v394
            v401 = band v399, v400
            v402 = bitcast.f32 v401
            v403 = fcmp eq v393, v394
            v404 = select v403, v402, v398
            v405 = extractlane v369, 3
            v406 = fcmp gt v404, v405
            v407 = fcmp uno v404, v404
            v408 = bor v406, v407
            v409 = select v408, v404, v405
            v410 = bitcast.i32 v404
            v411 = bitcast.i32 v405
            v412 = band v410, v411
            v413 = bitcast.f32 v412
            v414 = fcmp eq v404, v405
            v415 = select v414, v413, v409
            v419 = extractlane v416, 0
            v420 = fcmp gt v415, v419
            v421 = fcmp uno v415, v415
            v422 = bor v420, v421
            v423 = select v422, v415, v419
            v424 = bitcast.i32 v415
            v425 = bitcast.i32 v419
            v426 = band v424, v425
            v427 = bitcast.f32 v426
            v428 = fcmp eq v415, v419
            v429 = select v428, v427, v423
            v430 = extractlane v416, 1
            v431 = fcmp gt v429, v430
            v432 = fcmp uno v429, v429
            v433 = bor v431, v432
            v434 = select v433, v429, v430
            v435 = bitcast.i32 v429
            v436 = bitcast.i32 v430
            v437 = band v435, v436
            v438 = bitcast.f32 v437
            v439 = fcmp eq v429, v430
            v440 = select v439, v438, v434
            v441 = extractlane v416, 2
            v442 = fcmp gt v440, v441
            v443 = fcmp uno v440, v440
            v444 = bor v442, v443
            v445 = select v444, v440, v441
            v446 = bitcast.i32 v440
            v447 = bitcast.i32 v441
            v448 = band v446, v447
            v449 = bitcast.f32 v448
            v450 = fcmp eq v440, v441
            v451 = select v450, v449, v445
            v452 = extractlane v416, 3
            v453 = fcmp gt v451, v452
            v454 = fcmp uno v451, v451
            v455 = bor v453, v454
            v456 = select v455, v451, v452
            v457 = bitcast.i32 v451
            v458 = bitcast.i32 v452
            v459 = band v457, v458
            v460 = bitcast.f32 v459
            v461 = fcmp eq v451, v452
            v462 = select v461, v460, v456
            v466 = extractlane v463, 0
            v467 = fcmp gt v462, v466
            v468 = fcmp uno v462, v462
            v469 = bor v467, v468
            v470 = select v469, v462, v466
            v471 = bitcast.i32 v462
            v472 = bitcast.i32 v466
            v473 = band v471, v472
            v474 = bitcast.f32 v473
            v475 = fcmp eq v462, v466
            v476 = select v475, v474, v470
            v477 = extractlane v463, 1
            v478 = fcmp gt v476, v477
            v479 = fcmp uno v476, v476
            v480 = bor v478, v479
            v481 = select v480, v476, v477
            v482 = bitcast.i32 v476
            v483 = bitcast.i32 v477
            v484 = band v482, v483
            v485 = bitcast.f32 v484
            v486 = fcmp eq v476, v477
            v487 = select v486, v485, v481
            v488 = extractlane v463, 2
            v489 = fcmp gt v487, v488
            v490 = fcmp uno v487, v487
            v491 = bor v489, v490
            v492 = select v491, v487, v488
            v493 = bitcast.i32 v487
            v494 = bitcast.i32 v488
            v495 = band v493, v494
            v496 = bitcast.f32 v495
            v497 = fcmp eq v487, v488
            v498 = select v497, v496, v492
            v499 = extractlane v463, 3
            v500 = fcmp gt v498, v499
            v501 = fcmp uno v498, v498
            v502 = bor v500, v501
            v503 = select v502, v498, v499
            v504 = bitcast.i32 v498
            v505 = bitcast.i32 v499
            v506 = band v504, v505
            v507 = bitcast.f32 v506
            v508 = fcmp eq v498, v499
            v509 = select v508, v507, v503
            v513 = extractlane v510, 0
            v514 = fcmp gt v509, v513
            v515 = fcmp uno v509, v509
            v516 = bor v514, v515
            v517 = select v516, v509, v513
            v518 = bitcast.i32 v509
            v519 = bitcast.i32 v513
            v520 = band v518, v519
            v521 = bitcast.f32 v520
            v522 = fcmp eq v509, v513
            v523 = select v522, v521, v517
            v524 = extractlane v510, 1
            v525 = fcmp gt v523, v524
            v526 = fcmp uno v523, v523
            v527 = bor v525, v526
            v528 = select v527, v523, v524
            v529 = bitcast.i32 v523
            v530 = bitcast.i32 v524
            v531 = band v529, v530
            v532 = bitcast.f32 v531
            v533 = fcmp eq v523, v524
            v534 = select v533, v532, v528
            v535 = extractlane v510, 2
            v536 = fcmp gt v534, v535
            v537 = fcmp uno v534, v534
            v538 = bor v536, v537
            v539 = select v538, v534, v535
            v540 = bitcast.i32 v534
            v541 = bitcast.i32 v535
            v542 = band v540, v541
            v543 = bitcast.f32 v542
            v544 = fcmp eq v534, v535
            v545 = select v544, v543, v539
            v546 = extractlane v510, 3
            v547 = fcmp gt v545, v546
            v548 = fcmp uno v545, v545
            v549 = bor v547, v548
            v550 = select v549, v545, v546
            v551 = bitcast.i32 v545
            v552 = bitcast.i32 v546
            v553 = band v551, v552
            v554 = bitcast.f32 v553
            v555 = fcmp eq v545, v546
            v556 = select v555, v554, v550
            v560 = extractlane v557, 0
            v561 = fcmp gt v556, v560
            v562 = fcmp uno v556, v556
            v563 = bor v561, v562
            v564 = select v563, v556, v560
            v565 = bitcast.i32 v556
            v566 = bitcast.i32 v560
            v567 = band v565, v566
            v568 = bitcast.f32 v567
            v569 = fcmp eq v556, v560
            v570 = select v569, v568, v564
            v571 = extractlane v557, 1
            v572 = fcmp gt v570, v571
            v573 = fcmp uno v570, v570
            v574 = bor v572, v573
            v575 = select v574, v570, v571
            v576 = bitcast.i32 v570
            v577 = bitcast.i32 v571
            v578 = band v576, v577
            v579 = bitcast.f32 v578
            v580 = fcmp eq v570, v571
            v581 = select v580, v579, v575
            v582 = extractlane v557, 2
            v583 = fcmp gt v581, v582
            v584 = fcmp uno v581, v581
            v585 = bor v583, v584
            v586 = select v585, v581, v582
            v587 = bitcast.i32 v581
            v588 = bitcast.i32 v582
            v589 = band v587, v588
            v590 = bitcast.f32 v589
            v591 = fcmp eq v581, v582
            v592 = select v591, v590, v586
            v593 = extractlane v557, 3
            v594 = fcmp gt v592, v593
            v595 = fcmp uno v592, v592
            v596 = bor v594, v595
            v597 = select v596, v592, v593
            v598 = bitcast.i32 v592
            v599 = bitcast.i32 v593
            v600 = band v598, v599
            v601 = bitcast.f32 v600
            v602 = fcmp eq v592, v593
            v603 = select v602, v601, v597
            v604 = iconst.i64 2
            v605 = ishl.i64 v25, v604  ; v604 = 2
            v606 = iadd.i64 v4, v605
            store notrap aligned v603, v606
            v611 = iconst.i64 512
            v612 = iadd.i64 v24, v611  ; v611 = 512
            v617 = iconst.i64 1
            v618 = iadd.i64 v25, v617  ; v617 = 1
            v623 = iconst.i64 1
            v624 = iadd.i64 v22, v623  ; v623 = 1
            jump block4(v624, v612, v618)

        block6:
            v632 = isub.i64 v16, v20
            jump block3

        block3:
            return
        }

        ; kernel k1 (left out: depends on the CPU)
        ; kernel k2
        function u0:2(i64, i64, i64) system_v {
        block0(v0: i64, v1: i64, v2: i64):
            v17 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = iconst.i64 0
            v7 = iconst.i64 0
            v8 = iconst.i64 0
            v9 = iconst.i64 512
            v10 = imul v1, v9  ; v9 = 512
            v11 = iadd v6, v10  ; v6 = 0
            v237 -> v11
            v12 = iconst.i64 1
            v13 = imul v1, v12  ; v12 = 1
            v14 = iadd v7, v13  ; v7 = 0
            v238 -> v14
            v15 = isub v2, v1
            v16 -> v15
            v239 -> v16
            v240 -> v239
            v241 -> v239
            v242 -> v239
            v243 -> v239
            jump block1

        block1:
            brif.i64 v16, block2, block3

        block2:
            v18 = iconst.i64 64
            v19 = isub v18, v17  ; v18 = 64
            v20 = umin v19, v16
            v21 = iconst.i64 0
            jump block4(v21, v237, v238)  ; v21 = 0

        block4(v22: i64, v24: i64, v25: i64):
            v231 -> v22
            v232 -> v22
            v233 -> v22
            v234 -> v22
            v106 -> v24
            v219 -> v24
            v220 -> v24
            v221 -> v24
            v222 -> v24
            v225 -> v25
            v226 -> v25
            v227 -> v25
            v228 -> v25
            v23 = icmp ult v22, v20
            brif v23, block5, block6

        block5:
            v26 = f64const 0.0
            v155 -> v26
            v153 -> v155
            v154 -> v155
            v27 = f64const 0.0
            v28 = splat.f64x2 v27  ; v27 = 0.0
            v107 -> v28
            v108 -> v28
            v109 -> v28
            v110 -> v28
            v111 -> v28
            v112 -> v28
            v113 -> v28
            v114 -> v28
            v29 = iconst.i64 512
            v31 -> v29
            v156 -> v31
            v157 -> v31
            v158 -> v31
            v30 = iconst.i64 0
            v32 -> v30
            jump block7

        block7:
            brif.i64 v31, block8, block9(v107, v155, v108, v109, v110, v111, v112, v113, v114)  ; v31 = 512, v155 = 0.0

        block8:
            v33 = iconst.i64 512
            v34 = isub v33, v32  ; v33 = 512, v32 = 0
            v35 = umin v34, v31  ; v31 = 512
            v36 = iconst.i64 0
            jump block10(v36, v106, v107, v108, v109, v110, v111, v112, v113, v114)  ; v36 = 0

        block10(v37: i64, v41: i64, v49: f64x2, v55: f64x2, v64: f64x2, v70: f64x2, v79: f64x2, v85: f64x2, v94: f64x2, v100: f64x2):
            v174 -> v64
            v175 -> v64
            v181 -> v70
            v182 -> v70
            v188 -> v79
            v189 -> v79
            v195 -> v85
            v196 -> v85
            v202 -> v94
            v203 -> v94
            v209 -> v100
            v210 -> v100
            v38 = isub.i64 v35, v37
            v39 = iconst.i64 16
            v40 = icmp uge v38, v39  ; v39 = 16
            brif v40, block11, block12

        block11:
            v42 = iconst.i64 2
            v43 = ishl.i64 v41, v42  ; v42 = 2
            v44 = iadd.i64 v3, v43
            v45 = load.f64 notrap v44
            v46 = scalar_to_vector.f64x2 v45
            v47 = bitcast.f32x4 little v46
            v48 = fvpromote_low v47
            v50 = fadd.f64x2 v49, v48
            v51 = load.f64 notrap v44+8
            v52 = scalar_to_vector.f64x2 v51
            v53 = bitcast.f32x4 little v52
            v54 = fvpromote_low v53
            v56 = fadd.f64x2 v55, v54
            v57 = iconst.i64 2
            v58 = ishl.i64 v41, v57  ; v57 = 2
            v59 = iadd.i64 v3, v58
            v60 = load.f64 notrap v59+16
            v61 = scalar_to_vector.f64x2 v60
            v62 = bitcast.f32x4 little v61
            v63 = fvpromote_low v62
            v65 = fadd.f64x2 v64, v63
            v66 = load.f64 notrap v59+24
            v67 = scalar_to_vector.f64x2 v66
            v68 = bitcast.f32x4 little v67
            v69 = fvpromote_low v68
            v71 = fadd.f64x2 v70, v69
            v72 = iconst.i64 2
            v73 = ishl.i64 v41, v72  ; v72 = 2
            v74 = iadd.i64 v3, v73
            v75 = load.f64 notrap v74+32
            v76 = scalar_to_vector.f64x2 v75
            v77 = bitcast.f32x4 little v76
            v78 = fvpromote_low v77
            v80 = fadd.f64x2 v79, v78
            v81 = load.f64 notrap v74+40
            v82 = scalar_to_vector.f64x2 v81
            v83 = bitcast.f32x4 little v82
            v84 = fvpromote_low v83
            v86 = fadd.f64x2 v85, v84
            v87 = iconst.i64 2
            v88 = ishl.i64 v41, v87  ; v87 = 2
            v89 = iadd.i64 v3, v88
            v90 = load.f64 notrap v89+48
            v91 = scalar_to_vector.f64x2 v90
            v92 = bitcast.f32x4 little v91
            v93 = fvpromote_low v92
            v95 = fadd.f64x2 v94, v93
            v96 = load.f64 notrap v89+56
            v97 = scalar_to_vector.f64x2 v96
            v98 = bitcast.f32x4 little v97
            v99 = fvpromote_low v98
            v101 = fadd.f64x2 v100, v99
            v102 = iconst.i64 16
            v103 = iadd.i64 v41, v102  ; v102 = 16
            v104 = iconst.i64 16
            v105 = iadd.i64 v37, v104  ; v104 = 16
            jump block10(v105, v103, v50, v56, v65, v71, v80, v86, v95, v101)

        block12:
            jump block13(v37, v41, v49, v55)

        block13(v115: i64, v119: i64, v127: f64x2, v133: f64x2):
            v161 -> v127
            v168 -> v133
            v116 = isub.i64 v35, v115
            v117 = iconst.i64 4
            v118 = icmp uge v116, v117  ; v117 = 4
            brif v118, block14, block15

        block14:
            v120 = iconst.i64 2
            v121 = ishl.i64 v119, v120  ; v120 = 2
            v122 = iadd.i64 v3, v121
            v123 = load.f64 notrap v122
            v124 = scalar_to_vector.f64x2 v123
            v125 = bitcast.f32x4 little v124
            v126 = fvpromote_low v125
            v128 = fadd.f64x2 v127, v126
            v129 = load.f64 notrap v122+8
            v130 = scalar_to_vector.f64x2 v129
            v131 = bitcast.f32x4 little v130
            v132 = fvpromote_low v131
            v134 = fadd.f64x2 v133, v132
            v135 = iconst.i64 4
            v136 = iadd.i64 v119, v135  ; v135 = 4
            v137 = iconst.i64 4
            v138 = iadd.i64 v115, v137  ; v137 = 4
            jump block13(v138, v136, v128, v134)

        block15:
            jump block16(v115, v119, v155)  ; v155 = 0.0

        block16(v139: i64, v141: i64, v147: f64):
            v140 = icmp ult v139, v35
            brif v140, block17, block18

        block17:
            v142 = iconst.i64 2
            v143 = ishl.i64 v141, v142  ; v142 = 2
            v144 = iadd.i64 v3, v143
            v145 = load.f32 notrap aligned readonly can_move v144
            v146 = fpromote.f64 v145
            v148 = fadd.f64 v147, v146
            v149 = iconst.i64 1
            v150 = iadd.i64 v141, v149  ; v149 = 1
            v151 = iconst.i64 1
            v152 = iadd.i64 v139, v151  ; v151 = 1
            jump block16(v152, v150, v148)

        block18:
            v159 = isub.i64 v31, v35  ; v31 = 512
            jump block9(v127, v147, v133, v64, v70, v79, v85, v94, v100)

        block9(v160: f64x2, v163: f64, v167: f64x2, v173: f64x2, v180: f64x2, v187: f64x2, v194: f64x2, v201: f64x2, v208: f64x2):
            v162 = extractlane v160, 0
            v164 = fadd v163, v162
            v165 = extractlane v160, 1
            v166 = fadd v164, v165
            v169 = extractlane v167, 0
            v170 = fadd v166, v169
            v171 = extractlane v167, 1
            v172 = fadd v170, v171
            v176 = extractlane v173, 0
            v177 = fadd v172, v176
            v178 = extractlane v173, 1
            v179 = fadd v177, v178
            v183 = extractlane v180, 0
            v184 = fadd v179, v183
            v185 = extractlane v180, 1
            v186 = fadd v184, v185
            v190 = extractlane v187, 0
            v191 = fadd v186, v190
            v192 = extractlane v187, 1
            v193 = fadd v191, v192
            v197 = extractlane v194, 0
            v198 = fadd v193, v197
            v199 = extractlane v194, 1
            v200 = fadd v198, v199
            v204 = extractlane v201, 0
            v205 = fadd v200, v204
            v206 = extractlane v201, 1
            v207 = fadd v205, v206
            v211 = extractlane v208, 0
            v212 = fadd v207, v211
            v213 = extractlane v208, 1
            v214 = fadd v212, v213
            v215 = fdemote.f32 v214
            v216 = iconst.i64 2
            v217 = ishl.i64 v25, v216  ; v216 = 2
            v218 = iadd.i64 v4, v217
            store notrap aligned v215, v218
            v223 = iconst.i64 512
            v224 = iadd.i64 v24, v223  ; v223 = 512
            v229 = iconst.i64 1
            v230 = iadd.i64 v25, v229  ; v229 = 1
            v235 = iconst.i64 1
            v236 = iadd.i64 v22, v235  ; v235 = 1
            jump block4(v236, v224, v230)

        block6:
            v244 = isub.i64 v16, v20
            jump block3

        block3:
            return
        }

        ; kernel k3
        function u0:3(i64, i64, i64) system_v {
        block0(v0: i64, v1: i64, v2: i64):
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = load.i64 notrap aligned readonly v0+24
            v7 = iconst.i64 0
            v8 = iconst.i64 0
            v9 = iconst.i64 0
            v10 = iconst.i64 0
            v11 = iconst.i64 512
            v12 = urem v1, v11  ; v11 = 512
            v13 = iconst.i64 512
            v14 = udiv v1, v13  ; v13 = 512
            v15 = iconst.i64 512
            v16 = imul v14, v15  ; v15 = 512
            v17 = iadd v7, v16  ; v7 = 0
            v18 = iconst.i64 1
            v19 = imul v12, v18  ; v18 = 1
            v20 = iadd v17, v19
            v21 = iconst.i64 1
            v22 = imul v14, v21  ; v21 = 1
            v23 = iadd v8, v22  ; v8 = 0
            v24 = isub v2, v1
            jump block1(v24, v12, v20, v23, v14)

        block1(v25: i64, v26: i64, v93: i64, v94: i64, v147: i64):
            v138 -> v25
            v139 -> v25
            v140 -> v25
            v36 -> v94
            v100 -> v94
            v121 -> v94
            v144 -> v147
            v145 -> v147
            v146 -> v147
            brif v25, block2, block3

        block2:
            v27 = iconst.i64 512
            v28 = isub v27, v26  ; v27 = 512
            v29 = umin v28, v25
            v30 = iconst.i64 0
            jump block4(v30, v93)  ; v30 = 0

        block4(v31: i64, v35: i64):
            v32 = isub.i64 v29, v31
            v33 = iconst.i64 16
            v34 = icmp uge v32, v33  ; v33 = 16
            brif v34, block5, block6

        block5:
            v37 = iconst.i64 2
            v38 = ishl.i64 v35, v37  ; v37 = 2
            v39 = iadd.i64 v3, v38
            v40 = load.f32x4 notrap readonly can_move v39
            v41 = iconst.i64 2
            v42 = ishl.i64 v36, v41  ; v41 = 2
            v43 = iadd.i64 v4, v42
            v44 = load.f32 notrap aligned readonly can_move v43
            v45 = splat.f32x4 v44
            v46 = fdiv v40, v45
            v47 = iconst.i64 2
            v48 = ishl.i64 v35, v47  ; v47 = 2
            v49 = iadd.i64 v5, v48
            store notrap v46, v49
            v50 = iconst.i64 2
            v51 = ishl.i64 v35, v50  ; v50 = 2
            v52 = iadd.i64 v3, v51
            v53 = load.f32x4 notrap readonly can_move v52+16
            v54 = iconst.i64 2
            v55 = ishl.i64 v36, v54  ; v54 = 2
            v56 = iadd.i64 v4, v55
            v57 = load.f32 notrap aligned readonly can_move v56
            v58 = splat.f32x4 v57
            v59 = fdiv v53, v58
            v60 = iconst.i64 2
            v61 = ishl.i64 v35, v60  ; v60 = 2
            v62 = iadd.i64 v5, v61
            store notrap v59, v62+16
            v63 = iconst.i64 2
            v64 = ishl.i64 v35, v63  ; v63 = 2
            v65 = iadd.i64 v3, v64
            v66 = load.f32x4 notrap readonly can_move v65+32
            v67 = iconst.i64 2
            v68 = ishl.i64 v36, v67  ; v67 = 2
            v69 = iadd.i64 v4, v68
            v70 = load.f32 notrap aligned readonly can_move v69
            v71 = splat.f32x4 v70
            v72 = fdiv v66, v71
            v73 = iconst.i64 2
            v74 = ishl.i64 v35, v73  ; v73 = 2
            v75 = iadd.i64 v5, v74
            store notrap v72, v75+32
            v76 = iconst.i64 2
            v77 = ishl.i64 v35, v76  ; v76 = 2
            v78 = iadd.i64 v3, v77
            v79 = load.f32x4 notrap readonly can_move v78+48
            v80 = iconst.i64 2
            v81 = ishl.i64 v36, v80  ; v80 = 2
            v82 = iadd.i64 v4, v81
            v83 = load.f32 notrap aligned readonly can_move v82
            v84 = splat.f32x4 v83
            v85 = fdiv v79, v84
            v86 = iconst.i64 2
            v87 = ishl.i64 v35, v86  ; v86 = 2
            v88 = iadd.i64 v5, v87
            store notrap v85, v88+48
            v89 = iconst.i64 16
            v90 = iadd.i64 v35, v89  ; v89 = 16
            v91 = iconst.i64 16
            v92 = iadd.i64 v31, v91  ; v91 = 16
            jump block4(v92, v90)

        block6:
            jump block7(v31, v35)

        block7(v95: i64, v99: i64):
            v96 = isub.i64 v29, v95
            v97 = iconst.i64 4
            v98 = icmp uge v96, v97  ; v97 = 4
            brif v98, block8, block9

        block8:
            v101 = iconst.i64 2
            v102 = ishl.i64 v99, v101  ; v101 = 2
            v103 = iadd.i64 v3, v102
            v104 = load.f32x4 notrap readonly can_move v103
            v105 = iconst.i64 2
            v106 = ishl.i64 v100, v105  ; v105 = 2
            v107 = iadd.i64 v4, v106
            v108 = load.f32 notrap aligned readonly can_move v107
            v109 = splat.f32x4 v108
            v110 = fdiv v104, v109
            v111 = iconst.i64 2
            v112 = ishl.i64 v99, v111  ; v111 = 2
            v113 = iadd.i64 v5, v112
            store notrap v110, v113
            v114 = iconst.i64 4
            v115 = iadd.i64 v99, v114  ; v114 = 4
            v116 = iconst.i64 4
            v117 = iadd.i64 v95, v116  ; v116 = 4
            jump block7(v117, v115)

        block9:
            jump block10(v95, v99)

        block10(v118: i64, v120: i64):
            v119 = icmp ult v118, v29
            brif v119, block11, block12

        block11:
            v122 = iconst.i64 2
            v123 = ishl.i64 v120, v122  ; v122 = 2
            v124 = iadd.i64 v3, v123
            v125 = load.f32 notrap aligned readonly can_move v124
            v126 = iconst.i64 2
            v127 = ishl.i64 v121, v126  ; v126 = 2
            v128 = iadd.i64 v4, v127
            v129 = load.f32 notrap aligned readonly can_move v128
            v130 = fdiv v125, v129
            v131 = iconst.i64 2
            v132 = ishl.i64 v120, v131  ; v131 = 2
            v133 = iadd.i64 v5, v132
            store notrap aligned v130, v133
            v134 = iconst.i64 1
            v135 = iadd.i64 v120, v134  ; v134 = 1
            v136 = iconst.i64 1
            v137 = iadd.i64 v118, v136  ; v136 = 1
            jump block10(v137, v135)

        block12:
            v141 = isub.i64 v25, v29
            brif v141, block13, block3

        block13:
            v142 = iconst.i64 1
            v143 = iadd.i64 v121, v142  ; v142 = 1
            v148 = iconst.i64 1
            v149 = iadd.i64 v147, v148  ; v148 = 1
            jump block1(v141, v10, v120, v143, v149)  ; v10 = 0

        block3:
            return
        }
        "#]],
    );
}

#[test]
fn column_sum() {
    let mut g = Graph::new();
    let x = arg(&mut g, &[512, 8], DType::F32);
    let s = reduce(&mut g, ReduceOp::Sum, x, &[0]);
    g.output(s, OutputRole::Result(0));
    check_clif(
        &g,
        expect![[r#"
        ; kernel k0
        function u0:0(i64, i64, i64) system_v {
            ss0 = explicit_slot 64, align = 16

        block0(v0: i64, v1: i64, v2: i64):
            v16 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = iconst.i64 0
            v7 = iconst.i64 0
            v8 = stack_addr.i64 ss0
            v9 = iconst.i64 0
            v69 -> v9
            v400 -> v9
            v642 -> v9
            v10 = iconst.i64 0
            v11 = iconst.i64 1
            v12 = imul v1, v11  ; v11 = 1
            v13 = iadd v6, v12  ; v6 = 0
            v722 -> v13
            v14 = isub v2, v1
            v15 -> v14
            v723 -> v15
            v724 -> v723
            v725 -> v723
            v726 -> v723
            v727 -> v723
            v728 -> v723
            v729 -> v723
            v730 -> v723
            v735 -> v723
            v736 -> v723
            v737 -> v723
            v731 -> v730
            v732 -> v730
            v733 -> v730
            v734 -> v730
            jump block1

        block1:
            brif.i64 v15, block2, block3

        block2:
            v17 = iconst.i64 8
            v18 = isub v17, v16  ; v17 = 8
            v19 = umin v18, v15
            v20 = iconst.i64 0
            jump block4(v20, v722)  ; v20 = 0

        block4(v21: i64, v26: i64):
            v707 -> v21
            v708 -> v21
            v709 -> v21
            v710 -> v21
            v711 -> v21
            v712 -> v21
            v713 -> v21
            v718 -> v21
            v719 -> v21
            v720 -> v21
            v714 -> v713
            v715 -> v713
            v716 -> v713
            v717 -> v713
            v554 -> v26
            v643 -> v26
            v692 -> v26
            v693 -> v26
            v694 -> v26
            v695 -> v26
            v696 -> v26
            v697 -> v26
            v698 -> v26
            v703 -> v26
            v704 -> v26
            v705 -> v26
            v699 -> v698
            v700 -> v698
            v701 -> v698
            v702 -> v698
            v22 = icmp ult v21, v19
            brif v22, block5, block6

        block5:
            v23 = isub.i64 v19, v21
            v24 = iconst.i64 8
            v25 = umin v23, v24  ; v24 = 8
            v28 -> v25
            v117 -> v25
            v562 -> v25
            v688 -> v562
            v689 -> v562
            v690 -> v562
            v538 -> v117
            v539 -> v117
            v540 -> v117
            v95 -> v28
            v96 -> v28
            v97 -> v28
            v27 = iconst.i64 0
            v29 -> v27
            jump block7

        block7:
            brif.i64 v28, block8, block9

        block8:
            v30 = iconst.i64 8
            v31 = isub v30, v29  ; v30 = 8, v29 = 0
            v32 = umin v31, v28
            v33 = iconst.i64 0
            jump block10(v33, v69)  ; v33 = 0, v69 = 0

        block10(v34: i64, v38: i64):
            v35 = isub.i64 v32, v34
            v36 = iconst.i64 16
            v37 = icmp uge v35, v36  ; v36 = 16
            brif v37, block11, block12

        block11:
            v39 = f64const 0.0
            v40 = iconst.i64 3
            v41 = ishl.i64 v38, v40  ; v40 = 3
            v42 = iadd.i64 v8, v41
            v43 = splat.f64x2 v39  ; v39 = 0.0
            store notrap v43, v42
            store notrap v43, v42+16
            v44 = iconst.i64 4
            v45 = iadd.i64 v38, v44  ; v44 = 4
            v46 = f64const 0.0
            v47 = iconst.i64 3
            v48 = ishl v45, v47  ; v47 = 3
            v49 = iadd.i64 v8, v48
            v50 = splat.f64x2 v46  ; v46 = 0.0
            store notrap v50, v49
            store notrap v50, v49+16
            v51 = iconst.i64 8
            v52 = iadd.i64 v38, v51  ; v51 = 8
            v53 = f64const 0.0
            v54 = iconst.i64 3
            v55 = ishl v52, v54  ; v54 = 3
            v56 = iadd.i64 v8, v55
            v57 = splat.f64x2 v53  ; v53 = 0.0
            store notrap v57, v56
            store notrap v57, v56+16
            v58 = iconst.i64 12
            v59 = iadd.i64 v38, v58  ; v58 = 12
            v60 = f64const 0.0
            v61 = iconst.i64 3
            v62 = ishl v59, v61  ; v61 = 3
            v63 = iadd.i64 v8, v62
            v64 = splat.f64x2 v60  ; v60 = 0.0
            store notrap v64, v63
            store notrap v64, v63+16
            v65 = iconst.i64 16
            v66 = iadd.i64 v38, v65  ; v65 = 16
            v67 = iconst.i64 16
            v68 = iadd.i64 v34, v67  ; v67 = 16
            jump block10(v68, v66)

        block12:
            jump block13(v34, v38)

        block13(v70: i64, v74: i64):
            v71 = isub.i64 v32, v70
            v72 = iconst.i64 4
            v73 = icmp uge v71, v72  ; v72 = 4
            brif v73, block14, block15

        block14:
            v75 = f64const 0.0
            v76 = iconst.i64 3
            v77 = ishl.i64 v74, v76  ; v76 = 3
            v78 = iadd.i64 v8, v77
            v79 = splat.f64x2 v75  ; v75 = 0.0
            store notrap v79, v78
            store notrap v79, v78+16
            v80 = iconst.i64 4
            v81 = iadd.i64 v74, v80  ; v80 = 4
            v82 = iconst.i64 4
            v83 = iadd.i64 v70, v82  ; v82 = 4
            jump block13(v83, v81)

        block15:
            jump block16(v70, v74)

        block16(v84: i64, v86: i64):
            v85 = icmp ult v84, v32
            brif v85, block17, block18

        block17:
            v87 = f64const 0.0
            v88 = iconst.i64 3
            v89 = ishl.i64 v86, v88  ; v88 = 3
            v90 = iadd.i64 v8, v89
            store notrap v87, v90  ; v87 = 0.0
            v91 = iconst.i64 1
            v92 = iadd.i64 v86, v91  ; v91 = 1
            v93 = iconst.i64 1
            v94 = iadd.i64 v84, v93  ; v93 = 1
            jump block16(v94, v92)

        block18:
            v98 = isub.i64 v28, v32
            jump block9

        block9:
            v99 = iconst.i64 128
            v101 -> v99
            v555 -> v101
            v556 -> v555
            v557 -> v555
            v558 -> v555
            v559 -> v555
            v100 = iconst.i64 0
            v102 -> v100
            jump block19

        block19:
            brif.i64 v101, block20, block21  ; v101 = 128

        block20:
            v103 = iconst.i64 128
            v104 = isub v103, v102  ; v103 = 128, v102 = 0
            v105 = umin v104, v101  ; v101 = 128
            v106 = iconst.i64 0
            jump block22(v106, v554)  ; v106 = 0

        block22(v107: i64, v109: i64):
            v548 -> v107
            v549 -> v107
            v550 -> v107
            v551 -> v107
            v399 -> v109
            v542 -> v109
            v543 -> v109
            v544 -> v109
            v545 -> v109
            v108 = icmp ult v107, v105
            brif v108, block23, block24

        block23:
            v110 = iconst.i64 8
            v111 = iadd.i64 v109, v110  ; v110 = 8
            v112 = iconst.i64 16
            v113 = iadd.i64 v109, v112  ; v112 = 16
            v114 = iconst.i64 24
            v115 = iadd.i64 v109, v114  ; v114 = 24
            v116 = iconst.i64 0
            v118 -> v116
            jump block25

        block25:
            brif.i64 v117, block26, block27

        block26:
            v119 = iconst.i64 8
            v120 = isub v119, v118  ; v119 = 8, v118 = 0
            v121 = umin v120, v117
            v122 = iconst.i64 0
            jump block28(v122, v399, v400)  ; v122 = 0, v400 = 0

        block28(v123: i64, v127: i64, v128: i64):
            v124 = isub.i64 v121, v123
            v125 = iconst.i64 16
            v126 = icmp uge v124, v125  ; v125 = 16
            brif v126, block29, block30

        block29:
            v129 = iconst.i64 8
            v130 = iadd.i64 v127, v129  ; v129 = 8
            v131 = iconst.i64 16
            v132 = iadd.i64 v127, v131  ; v131 = 16
            v133 = iconst.i64 24
            v134 = iadd.i64 v127, v133  ; v133 = 24
            v135 = iconst.i64 2
            v136 = ishl.i64 v127, v135  ; v135 = 2
            v137 = iadd.i64 v3, v136
            v138 = iconst.i64 2
            v139 = ishl.i64 v127, v138  ; v138 = 2
            v140 = iadd.i64 v3, v139
            v141 = iconst.i64 32
            v142 = iadd v140, v141  ; v141 = 32
            v143 = iconst.i64 2
            v144 = ishl.i64 v127, v143  ; v143 = 2
            v145 = iadd.i64 v3, v144
            v146 = iconst.i64 64
            v147 = iadd v145, v146  ; v146 = 64
            v148 = iconst.i64 2
            v149 = ishl.i64 v127, v148  ; v148 = 2
            v150 = iadd.i64 v3, v149
            v151 = iconst.i64 96
            v152 = iadd v150, v151  ; v151 = 96
            v153 = load.f64 notrap v137
            v154 = scalar_to_vector.f64x2 v153
            v155 = bitcast.f32x4 little v154
            v156 = fvpromote_low v155
            v157 = load.f64 notrap v137+8
            v158 = scalar_to_vector.f64x2 v157
            v159 = bitcast.f32x4 little v158
            v160 = fvpromote_low v159
            v161 = load.f64 notrap v142
            v162 = scalar_to_vector.f64x2 v161
            v163 = bitcast.f32x4 little v162
            v164 = fvpromote_low v163
            v165 = load.f64 notrap v142+8
            v166 = scalar_to_vector.f64x2 v165
            v167 = bitcast.f32x4 little v166
            v168 = fvpromote_low v167
            v169 = load.f64 notrap v147
            v170 = scalar_to_vector.f64x2 v169
            v171 = bitcast.f32x4 little v170
            v172 = fvpromote_low v171
            v173 = load.f64 notrap v147+8
            v174 = scalar_to_vector.f64x2 v173
            v175 = bitcast.f32x4 little v174
            v176 = fvpromote_low v175
            v177 = load.f64 notrap v152
            v178 = scalar_to_vector.f64x2 v177
            v179 = bitcast.f32x4 little v178
            v180 = fvpromote_low v179
            v181 = load.f64 notrap v152+8
            v182 = scalar_to_vector.f64x2 v181
            v183 = bitcast.f32x4 little v182
            v184 = fvpromote_low v183
            v185 = iconst.i64 3
            v186 = ishl.i64 v128, v185  ; v185 = 3
            v187 = iadd.i64 v8, v186
            v188 = load.f64x2 notrap v187
            v189 = fadd v188, v156
            v190 = fadd v189, v164
            v191 = fadd v190, v172
            v192 = fadd v191, v180
            store notrap v192, v187
            v193 = load.f64x2 notrap v187+16
            v194 = fadd v193, v160
            v195 = fadd v194, v168
            v196 = fadd v195, v176
            v197 = fadd v196, v184
            store notrap v197, v187+16
            v198 = iconst.i64 4
            v199 = iadd.i64 v128, v198  ; v198 = 4
            v200 = iconst.i64 2
            v201 = ishl.i64 v127, v200  ; v200 = 2
            v202 = iadd.i64 v3, v201
            v203 = iconst.i64 2
            v204 = ishl.i64 v127, v203  ; v203 = 2
            v205 = iadd.i64 v3, v204
            v206 = iconst.i64 32
            v207 = iadd v205, v206  ; v206 = 32
            v208 = iconst.i64 2
            v209 = ishl.i64 v127, v208  ; v208 = 2
            v210 = iadd.i64 v3, v209
            v211 = iconst.i64 64
            v212 = iadd v210, v211  ; v211 = 64
            v213 = iconst.i64 2
            v214 = ishl.i64 v127, v213  ; v213 = 2
            v215 = iadd.i64 v3, v214
            v216 = iconst.i64 96
            v217 = iadd v215, v216  ; v216 = 96
            v218 = load.f64 notrap v202+16
            v219 = scalar_to_vector.f64x2 v218
            v220 = bitcast.f32x4 little v219
            v221 = fvpromote_low v220
            v222 = load.f64 notrap v202+24
            v223 = scalar_to_vector.f64x2 v222
            v224 = bitcast.f32x4 little v223
            v225 = fvpromote_low v224
            v226 = load.f64 notrap v207+16
            v227 = scalar_to_vector.f64x2 v226
            v228 = bitcast.f32x4 little v227
            v229 = fvpromote_low v228
            v230 = load.f64 notrap v207+24
            v231 = scalar_to_vector.f64x2 v230
            v232 = bitcast.f32x4 little v231
            v233 = fvpromote_low v232
            v234 = load.f64 notrap v212+16
            v235 = scalar_to_vector.f64x2 v234
            v236 = bitcast.f32x4 little v235
            v237 = fvpromote_low v236
            v238 = load.f64 notrap v212+24
            v239 = scalar_to_vector.f64x2 v238
            v240 = bitcast.f32x4 little v239
            v241 = fvpromote_low v240
            v242 = load.f64 notrap v217+16
            v243 = scalar_to_vector.f64x2 v242
            v244 = bitcast.f32x4 little v243
            v245 = fvpromote_low v244
            v246 = load.f64 notrap v217+24
            v247 = scalar_to_vector.f64x2 v246
            v248 = bitcast.f32x4 little v247
            v249 = fvpromote_low v248
            v250 = iconst.i64 3
            v251 = ishl v199, v250  ; v250 = 3
            v252 = iadd.i64 v8, v251
            v253 = load.f64x2 notrap v252
            v254 = fadd v253, v221
            v255 = fadd v254, v229
            v256 = fadd v255, v237
            v257 = fadd v256, v245
            store notrap v257, v252
            v258 = load.f64x2 notrap v252+16
            v259 = fadd v258, v225
            v260 = fadd v259, v233
            v261 = fadd v260, v241
            v262 = fadd v261, v249
            store notrap v262, v252+16
            v263 = iconst.i64 8
            v264 = iadd.i64 v128, v263  ; v263 = 8
            v265 = iconst.i64 2
            v266 = ishl.i64 v127, v265  ; v265 = 2
            v267 = iadd.i64 v3, v266
            v268 = iconst.i64 2
            v269 = ishl.i64 v127, v268  ; v268 = 2
            v270 = iadd.i64 v3, v269
            v271 = iconst.i64 32
            v272 = iadd v270, v271  ; v271 = 32
            v273 = iconst.i64 2
            v274 = ishl.i64 v127, v273  ; v273 = 2
            v275 = iadd.i64 v3, v274
            v276 = iconst.i64 64
            v277 = iadd v275, v276  ; v276 = 64
            v278 = iconst.i64 2
            v279 = ishl.i64 v127, v278  ; v278 = 2
            v280 = iadd.i64 v3, v279
            v281 = iconst.i64 96
            v282 = iadd v280, v281  ; v281 = 96
            v283 = load.f64 notrap v267+32
            v284 = scalar_to_vector.f64x2 v283
            v285 = bitcast.f32x4 little v284
            v286 = fvpromote_low v285
            v287 = load.f64 notrap v267+40
            v288 = scalar_to_vector.f64x2 v287
            v289 = bitcast.f32x4 little v288
            v290 = fvpromote_low v289
            v291 = load.f64 notrap v272+32
            v292 = scalar_to_vector.f64x2 v291
            v293 = bitcast.f32x4 little v292
            v294 = fvpromote_low v293
            v295 = load.f64 notrap v272+40
            v296 = scalar_to_vector.f64x2 v295
            v297 = bitcast.f32x4 little v296
            v298 = fvpromote_low v297
            v299 = load.f64 notrap v277+32
            v300 = scalar_to_vector.f64x2 v299
            v301 = bitcast.f32x4 little v300
            v302 = fvpromote_low v301
            v303 = load.f64 notrap v277+40
            v304 = scalar_to_vector.f64x2 v303
            v305 = bitcast.f32x4 little v304
            v306 = fvpromote_low v305
            v307 = load.f64 notrap v282+32
            v308 = scalar_to_vector.f64x2 v307
            v309 = bitcast.f32x4 little v308
            v310 = fvpromote_low v309
            v311 = load.f64 notrap v282+40
            v312 = scalar_to_vector.f64x2 v311
            v313 = bitcast.f32x4 little v312
            v314 = fvpromote_low v313
            v315 = iconst.i64 3
            v316 = ishl v264, v315  ; v315 = 3
            v317 = iadd.i64 v8, v316
            v318 = load.f64x2 notrap v317
            v319 = fadd v318, v286
            v320 = fadd v319, v294
            v321 = fadd v320, v302
            v322 = fadd v321, v310
            store notrap v322, v317
            v323 = load.f64x2 notrap v317+16
            v324 = fadd v323, v290
            v325 = fadd v324, v298
            v326 = fadd v325, v306
            v327 = fadd v326, v314
            store notrap v327, v317+16
            v328 = iconst.i64 12
            v329 = iadd.i64 v128, v328  ; v328 = 12
            v330 = iconst.i64 2
            v331 = ishl.i64 v127, v330  ; v330 = 2
            v332 = iadd.i64 v3, v331
            v333 = iconst.i64 2
            v334 = ishl.i64 v127, v333  ; v333 = 2
            v335 = iadd.i64 v3, v334
            v336 = iconst.i64 32
            v337 = iadd v335, v336  ; v336 = 32
            v338 = iconst.i64 2
            v339 = ishl.i64 v127, v338  ; v338 = 2
            v340 = iadd.i64 v3, v339
            v341 = iconst.i64 64
            v342 = iadd v340, v341  ; v341 = 64
            v343 = iconst.i64 2
            v344 = ishl.i64 v127, v343  ; v343 = 2
            v345 = iadd.i64 v3, v344
            v346 = iconst.i64 96
            v347 = iadd v345, v346  ; v346 = 96
            v348 = load.f64 notrap v332+48
            v349 = scalar_to_vector.f64x2 v348
            v350 = bitcast.f32x4 little v349
            v351 = fvpromote_low v350
            v352 = load.f64 notrap v332+56
            v353 = scalar_to_vector.f64x2 v352
            v354 = bitcast.f32x4 little v353
            v355 = fvpromote_low v354
            v356 = load.f64 notrap v337+48
            v357 = scalar_to_vector.f64x2 v356
            v358 = bitcast.f32x4 little v357
            v359 = fvpromote_low v358
            v360 = load.f64 notrap v337+56
            v361 = scalar_to_vector.f64x2 v360
            v362 = bitcast.f32x4 little v361
            v363 = fvpromote_low v362
            v364 = load.f64 notrap v342+48
            v365 = scalar_to_vector.f64x2 v364
            v366 = bitcast.f32x4 little v365
            v367 = fvpromote_low v366
            v368 = load.f64 notrap v342+56
            v369 = scalar_to_vector.f64x2 v368
            v370 = bitcast.f32x4 little v369
            v371 = fvpromote_low v370
            v372 = load.f64 notrap v347+48
            v373 = scalar_to_vector.f64x2 v372
            v374 = bitcast.f32x4 little v373
            v375 = fvpromote_low v374
            v376 = load.f64 notrap v347+56
            v377 = scalar_to_vector.f64x2 v376
            v378 = bitcast.f32x4 little v377
            v379 = fvpromote_low v378
            v380 = iconst.i64 3
            v381 = ishl v329, v380  ; v380 = 3
            v382 = iadd.i64 v8, v381
            v383 = load.f64x2 notrap v382
            v384 = fadd v383, v351
            v385 = fadd v384, v359
            v386 = fadd v385, v367
            v387 = fadd v386, v375
            store notrap v387, v382
            v388 = load.f64x2 notrap v382+16
            v389 = fadd v388, v355
            v390 = fadd v389, v363
            v391 = fadd v390, v371
            v392 = fadd v391, v379
            store notrap v392, v382+16
            v393 = iconst.i64 16
            v394 = iadd.i64 v127, v393  ; v393 = 16
            v395 = iconst.i64 16
            v396 = iadd.i64 v128, v395  ; v395 = 16
            v397 = iconst.i64 16
            v398 = iadd.i64 v123, v397  ; v397 = 16
            jump block28(v398, v394, v396)

        block30:
            jump block31(v123, v127, v128)

        block31(v401: i64, v405: i64, v406: i64):
            v402 = isub.i64 v121, v401
            v403 = iconst.i64 4
            v404 = icmp uge v402, v403  ; v403 = 4
            brif v404, block32, block33

        block32:
            v407 = iconst.i64 8
            v408 = iadd.i64 v405, v407  ; v407 = 8
            v409 = iconst.i64 16
            v410 = iadd.i64 v405, v409  ; v409 = 16
            v411 = iconst.i64 24
            v412 = iadd.i64 v405, v411  ; v411 = 24
            v413 = iconst.i64 2
            v414 = ishl.i64 v405, v413  ; v413 = 2
            v415 = iadd.i64 v3, v414
            v416 = iconst.i64 2
            v417 = ishl.i64 v405, v416  ; v416 = 2
            v418 = iadd.i64 v3, v417
            v419 = iconst.i64 32
            v420 = iadd v418, v419  ; v419 = 32
            v421 = iconst.i64 2
            v422 = ishl.i64 v405, v421  ; v421 = 2
            v423 = iadd.i64 v3, v422
            v424 = iconst.i64 64
            v425 = iadd v423, v424  ; v424 = 64
            v426 = iconst.i64 2
            v427 = ishl.i64 v405, v426  ; v426 = 2
            v428 = iadd.i64 v3, v427
            v429 = iconst.i64 96
            v430 = iadd v428, v429  ; v429 = 96
            v431 = load.f64 notrap v415
            v432 = scalar_to_vector.f64x2 v431
            v433 = bitcast.f32x4 little v432
            v434 = fvpromote_low v433
            v435 = load.f64 notrap v415+8
            v436 = scalar_to_vector.f64x2 v435
            v437 = bitcast.f32x4 little v436
            v438 = fvpromote_low v437
            v439 = load.f64 notrap v420
            v440 = scalar_to_vector.f64x2 v439
            v441 = bitcast.f32x4 little v440
            v442 = fvpromote_low v441
            v443 = load.f64 notrap v420+8
            v444 = scalar_to_vector.f64x2 v443
            v445 = bitcast.f32x4 little v444
            v446 = fvpromote_low v445
            v447 = load.f64 notrap v425
            v448 = scalar_to_vector.f64x2 v447
            v449 = bitcast.f32x4 little v448
            v450 = fvpromote_low v449
            v451 = load.f64 notrap v425+8
            v452 = scalar_to_vector.f64x2 v451
            v453 = bitcast.f32x4 little v452
            v454 = fvpromote_low v453
            v455 = load.f64 notrap v430
            v456 = scalar_to_vector.f64x2 v455
            v457 = bitcast.f32x4 little v456
            v458 = fvpromote_low v457
            v459 = load.f64 notrap v430+8
            v460 = scalar_to_vector.f64x2 v459
            v461 = bitcast.f32x4 little v460
            v462 = fvpromote_low v461
            v463 = iconst.i64 3
            v464 = ishl.i64 v406, v463  ; v463 = 3
            v465 = iadd.i64 v8, v464
            v466 = load.f64x2 notrap v465
            v467 = fadd v466, v434
            v468 = fadd v467, v442
            v469 = fadd v468, v450
            v470 = fadd v469, v458
            store notrap v470, v465
            v471 = load.f64x2 notrap v465+16
            v472 = fadd v471, v438
            v473 = fadd v472, v446
            v474 = fadd v473, v454
            v475 = fadd v474, v462
            store notrap v475, v465+16
            v476 = iconst.i64 4
            v477 = iadd.i64 v405, v476  ; v476 = 4
            v478 = iconst.i64 4
            v479 = iadd.i64 v406, v478  ; v478 = 4
            v480 = iconst.i64 4
            v481 = iadd.i64 v401, v480  ; v480 = 4
            jump block31(v481, v477, v479)

        block33:
            jump block34(v401, v405, v406)

        block34(v482: i64, v484: i64, v485: i64):
            v483 = icmp ult v482, v121
            brif v483, block35, block36

        block35:
            v486 = iconst.i64 8
            v487 = iadd.i64 v484, v486  ; v486 = 8
            v488 = iconst.i64 16
            v489 = iadd.i64 v484, v488  ; v488 = 16
            v490 = iconst.i64 24
            v491 = iadd.i64 v484, v490  ; v490 = 24
            v492 = iconst.i64 2
            v493 = ishl.i64 v484, v492  ; v492 = 2
            v494 = iadd.i64 v3, v493
            v495 = load.f32 notrap aligned readonly can_move v494
            v496 = fpromote.f64 v495
            v497 = iconst.i64 3
            v498 = ishl.i64 v485, v497  ; v497 = 3
            v499 = iadd.i64 v8, v498
            v500 = load.f64 notrap v499
            v501 = fadd v500, v496
            store notrap v501, v499
            v502 = iconst.i64 2
            v503 = ishl.i64 v484, v502  ; v502 = 2
            v504 = iadd.i64 v3, v503
            v505 = load.f32 notrap aligned readonly can_move v504+32
            v506 = fpromote.f64 v505
            v507 = iconst.i64 3
            v508 = ishl.i64 v485, v507  ; v507 = 3
            v509 = iadd.i64 v8, v508
            v510 = load.f64 notrap v509
            v511 = fadd v510, v506
            store notrap v511, v509
            v512 = iconst.i64 2
            v513 = ishl.i64 v484, v512  ; v512 = 2
            v514 = iadd.i64 v3, v513
            v515 = load.f32 notrap aligned readonly can_move v514+64
            v516 = fpromote.f64 v515
            v517 = iconst.i64 3
            v518 = ishl.i64 v485, v517  ; v517 = 3
            v519 = iadd.i64 v8, v518
            v520 = load.f64 notrap v519
            v521 = fadd v520, v516
            store notrap v521, v519
            v522 = iconst.i64 2
            v523 = ishl.i64 v484, v522  ; v522 = 2
            v524 = iadd.i64 v3, v523
            v525 = load.f32 notrap aligned readonly can_move v524+96
            v526 = fpromote.f64 v525
            v527 = iconst.i64 3
            v528 = ishl.i64 v485, v527  ; v527 = 3
            v529 = iadd.i64 v8, v528
            v530 = load.f64 notrap v529
            v531 = fadd v530, v526
            store notrap v531, v529
            v532 = iconst.i64 1
            v533 = iadd.i64 v484, v532  ; v532 = 1
            v534 = iconst.i64 1
            v535 = iadd.i64 v485, v534  ; v534 = 1
            v536 = iconst.i64 1
            v537 = iadd.i64 v482, v536  ; v536 = 1
            jump block34(v537, v533, v535)

        block36:
            v541 = isub.i64 v117, v121
            jump block27

        block27:
            v546 = iconst.i64 32
            v547 = iadd.i64 v109, v546  ; v546 = 32
            v552 = iconst.i64 1
            v553 = iadd.i64 v107, v552  ; v552 = 1
            jump block22(v553, v547)

        block24:
            v560 = isub.i64 v101, v105  ; v101 = 128
            jump block21

        block21:
            v561 = iconst.i64 0
            v563 -> v561
            jump block37

        block37:
            brif.i64 v562, block38, block39

        block38:
            v564 = iconst.i64 8
            v565 = isub v564, v563  ; v564 = 8, v563 = 0
            v566 = umin v565, v562
            v567 = iconst.i64 0
            jump block40(v567, v642, v643)  ; v567 = 0, v642 = 0

        block40(v568: i64, v572: i64, v573: i64):
            v569 = isub.i64 v566, v568
            v570 = iconst.i64 16
            v571 = icmp uge v569, v570  ; v570 = 16
            brif v571, block41, block42

        block41:
            v574 = iconst.i64 3
            v575 = ishl.i64 v572, v574  ; v574 = 3
            v576 = iadd.i64 v8, v575
            v577 = load.f64x2 notrap v576
            v578 = load.f64x2 notrap v576+16
            v579 = fvdemote v577
            v580 = fvdemote v578
            v581 = bitcast.i8x16 little v579
            v582 = bitcast.i8x16 little v580
            v583 = shuffle v581, v582, 0x17161514131211100706050403020100
            v584 = bitcast.f32x4 little v583
            v585 = iconst.i64 2
            v586 = ishl.i64 v573, v585  ; v585 = 2
            v587 = iadd.i64 v4, v586
            store notrap v584, v587
            v588 = iconst.i64 4
            v589 = iadd.i64 v572, v588  ; v588 = 4
            v590 = iconst.i64 3
            v591 = ishl v589, v590  ; v590 = 3
            v592 = iadd.i64 v8, v591
            v593 = load.f64x2 notrap v592
            v594 = load.f64x2 notrap v592+16
            v595 = fvdemote v593
            v596 = fvdemote v594
            v597 = bitcast.i8x16 little v595
            v598 = bitcast.i8x16 little v596
            v599 = shuffle v597, v598, 0x17161514131211100706050403020100
            v600 = bitcast.f32x4 little v599
            v601 = iconst.i64 2
            v602 = ishl.i64 v573, v601  ; v601 = 2
            v603 = iadd.i64 v4, v602
            store notrap v600, v603+16
            v604 = iconst.i64 8
            v605 = iadd.i64 v572, v604  ; v604 = 8
            v606 = iconst.i64 3
            v607 = ishl v605, v606  ; v606 = 3
            v608 = iadd.i64 v8, v607
            v609 = load.f64x2 notrap v608
            v610 = load.f64x2 notrap v608+16
            v611 = fvdemote v609
            v612 = fvdemote v610
            v613 = bitcast.i8x16 little v611
            v614 = bitcast.i8x16 little v612
            v615 = shuffle v613, v614, 0x17161514131211100706050403020100
            v616 = bitcast.f32x4 little v615
            v617 = iconst.i64 2
            v618 = ishl.i64 v573, v617  ; v617 = 2
            v619 = iadd.i64 v4, v618
            store notrap v616, v619+32
            v620 = iconst.i64 12
            v621 = iadd.i64 v572, v620  ; v620 = 12
            v622 = iconst.i64 3
            v623 = ishl v621, v622  ; v622 = 3
            v624 = iadd.i64 v8, v623
            v625 = load.f64x2 notrap v624
            v626 = load.f64x2 notrap v624+16
            v627 = fvdemote v625
            v628 = fvdemote v626
            v629 = bitcast.i8x16 little v627
            v630 = bitcast.i8x16 little v628
            v631 = shuffle v629, v630, 0x17161514131211100706050403020100
            v632 = bitcast.f32x4 little v631
            v633 = iconst.i64 2
            v634 = ishl.i64 v573, v633  ; v633 = 2
            v635 = iadd.i64 v4, v634
            store notrap v632, v635+48
            v636 = iconst.i64 16
            v637 = iadd.i64 v572, v636  ; v636 = 16
            v638 = iconst.i64 16
            v639 = iadd.i64 v573, v638  ; v638 = 16
            v640 = iconst.i64 16
            v641 = iadd.i64 v568, v640  ; v640 = 16
            jump block40(v641, v637, v639)

        block42:
            jump block43(v568, v572, v573)

        block43(v644: i64, v648: i64, v649: i64):
            v645 = isub.i64 v566, v644
            v646 = iconst.i64 4
            v647 = icmp uge v645, v646  ; v646 = 4
            brif v647, block44, block45

        block44:
            v650 = iconst.i64 3
            v651 = ishl.i64 v648, v650  ; v650 = 3
            v652 = iadd.i64 v8, v651
            v653 = load.f64x2 notrap v652
            v654 = load.f64x2 notrap v652+16
            v655 = fvdemote v653
            v656 = fvdemote v654
            v657 = bitcast.i8x16 little v655
            v658 = bitcast.i8x16 little v656
            v659 = shuffle v657, v658, 0x17161514131211100706050403020100
            v660 = bitcast.f32x4 little v659
            v661 = iconst.i64 2
            v662 = ishl.i64 v649, v661  ; v661 = 2
            v663 = iadd.i64 v4, v662
            store notrap v660, v663
            v664 = iconst.i64 4
            v665 = iadd.i64 v648, v664  ; v664 = 4
            v666 = iconst.i64 4
            v667 = iadd.i64 v649, v666  ; v666 = 4
            v668 = iconst.i64 4
            v669 = iadd.i64 v644, v668  ; v668 = 4
            jump block43(v669, v665, v667)

        block45:
            jump block46(v644, v648, v649)

        block46(v670: i64, v672: i64, v673: i64):
            v671 = icmp ult v670, v566
            brif v671, block47, block48

        block47:
            v674 = iconst.i64 3
            v675 = ishl.i64 v672, v674  ; v674 = 3
            v676 = iadd.i64 v8, v675
            v677 = load.f64 notrap v676
            v678 = fdemote.f32 v677
            v679 = iconst.i64 2
            v680 = ishl.i64 v673, v679  ; v679 = 2
            v681 = iadd.i64 v4, v680
            store notrap aligned v678, v681
            v682 = iconst.i64 1
            v683 = iadd.i64 v672, v682  ; v682 = 1
            v684 = iconst.i64 1
            v685 = iadd.i64 v673, v684  ; v684 = 1
            v686 = iconst.i64 1
            v687 = iadd.i64 v670, v686  ; v686 = 1
            jump block46(v687, v683, v685)

        block48:
            v691 = isub.i64 v562, v566
            jump block39

        block39:
            v706 = iadd.i64 v26, v25
            v721 = iadd.i64 v21, v25
            jump block4(v721, v706)

        block6:
            v738 = isub.i64 v15, v19
            jump block3

        block3:
            return
        }
    "#]],
    );
}

#[test]
fn split_f32_sum() {
    let mut g = Graph::new();
    let x = arg(&mut g, &[512, 1024], DType::F32);
    let s = reduce(&mut g, ReduceOp::Sum, x, &[0, 1]);
    g.output(s, OutputRole::Result(0));
    check_clif(
        &g,
        expect![[r#"
        ; kernel k0
        function u0:0(i64, i64, i64) system_v {
        block0(v0: i64, v1: i64, v2: i64):
            v17 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = iconst.i64 0
            v7 = iconst.i64 0
            v8 = iconst.i64 0
            v9 = iconst.i64 1024
            v10 = imul v1, v9  ; v9 = 1024
            v11 = iadd v6, v10  ; v6 = 0
            v236 -> v11
            v12 = iconst.i64 1
            v13 = imul v1, v12  ; v12 = 1
            v14 = iadd v7, v13  ; v7 = 0
            v237 -> v14
            v15 = isub v2, v1
            v16 -> v15
            v238 -> v16
            v239 -> v238
            v240 -> v238
            v241 -> v238
            v242 -> v238
            jump block1

        block1:
            brif.i64 v16, block2, block3

        block2:
            v18 = iconst.i64 512
            v19 = isub v18, v17  ; v18 = 512
            v20 = umin v19, v16
            v21 = iconst.i64 0
            jump block4(v21, v236, v237)  ; v21 = 0

        block4(v22: i64, v24: i64, v25: i64):
            v230 -> v22
            v231 -> v22
            v232 -> v22
            v233 -> v22
            v106 -> v24
            v218 -> v24
            v219 -> v24
            v220 -> v24
            v221 -> v24
            v224 -> v25
            v225 -> v25
            v226 -> v25
            v227 -> v25
            v23 = icmp ult v22, v20
            brif v23, block5, block6

        block5:
            v26 = f64const 0.0
            v155 -> v26
            v153 -> v155
            v154 -> v155
            v27 = f64const 0.0
            v28 = splat.f64x2 v27  ; v27 = 0.0
            v107 -> v28
            v108 -> v28
            v109 -> v28
            v110 -> v28
            v111 -> v28
            v112 -> v28
            v113 -> v28
            v114 -> v28
            v29 = iconst.i64 1024
            v31 -> v29
            v156 -> v31
            v157 -> v31
            v158 -> v31
            v30 = iconst.i64 0
            v32 -> v30
            jump block7

        block7:
            brif.i64 v31, block8, block9(v107, v155, v108, v109, v110, v111, v112, v113, v114)  ; v31 = 1024, v155 = 0.0

        block8:
            v33 = iconst.i64 1024
            v34 = isub v33, v32  ; v33 = 1024, v32 = 0
            v35 = umin v34, v31  ; v31 = 1024
            v36 = iconst.i64 0
            jump block10(v36, v106, v107, v108, v109, v110, v111, v112, v113, v114)  ; v36 = 0

        block10(v37: i64, v41: i64, v49: f64x2, v55: f64x2, v64: f64x2, v70: f64x2, v79: f64x2, v85: f64x2, v94: f64x2, v100: f64x2):
            v174 -> v64
            v175 -> v64
            v181 -> v70
            v182 -> v70
            v188 -> v79
            v189 -> v79
            v195 -> v85
            v196 -> v85
            v202 -> v94
            v203 -> v94
            v209 -> v100
            v210 -> v100
            v38 = isub.i64 v35, v37
            v39 = iconst.i64 16
            v40 = icmp uge v38, v39  ; v39 = 16
            brif v40, block11, block12

        block11:
            v42 = iconst.i64 2
            v43 = ishl.i64 v41, v42  ; v42 = 2
            v44 = iadd.i64 v3, v43
            v45 = load.f64 notrap v44
            v46 = scalar_to_vector.f64x2 v45
            v47 = bitcast.f32x4 little v46
            v48 = fvpromote_low v47
            v50 = fadd.f64x2 v49, v48
            v51 = load.f64 notrap v44+8
            v52 = scalar_to_vector.f64x2 v51
            v53 = bitcast.f32x4 little v52
            v54 = fvpromote_low v53
            v56 = fadd.f64x2 v55, v54
            v57 = iconst.i64 2
            v58 = ishl.i64 v41, v57  ; v57 = 2
            v59 = iadd.i64 v3, v58
            v60 = load.f64 notrap v59+16
            v61 = scalar_to_vector.f64x2 v60
            v62 = bitcast.f32x4 little v61
            v63 = fvpromote_low v62
            v65 = fadd.f64x2 v64, v63
            v66 = load.f64 notrap v59+24
            v67 = scalar_to_vector.f64x2 v66
            v68 = bitcast.f32x4 little v67
            v69 = fvpromote_low v68
            v71 = fadd.f64x2 v70, v69
            v72 = iconst.i64 2
            v73 = ishl.i64 v41, v72  ; v72 = 2
            v74 = iadd.i64 v3, v73
            v75 = load.f64 notrap v74+32
            v76 = scalar_to_vector.f64x2 v75
            v77 = bitcast.f32x4 little v76
            v78 = fvpromote_low v77
            v80 = fadd.f64x2 v79, v78
            v81 = load.f64 notrap v74+40
            v82 = scalar_to_vector.f64x2 v81
            v83 = bitcast.f32x4 little v82
            v84 = fvpromote_low v83
            v86 = fadd.f64x2 v85, v84
            v87 = iconst.i64 2
            v88 = ishl.i64 v41, v87  ; v87 = 2
            v89 = iadd.i64 v3, v88
            v90 = load.f64 notrap v89+48
            v91 = scalar_to_vector.f64x2 v90
            v92 = bitcast.f32x4 little v91
            v93 = fvpromote_low v92
            v95 = fadd.f64x2 v94, v93
            v96 = load.f64 notrap v89+56
            v97 = scalar_to_vector.f64x2 v96
            v98 = bitcast.f32x4 little v97
            v99 = fvpromote_low v98
            v101 = fadd.f64x2 v100, v99
            v102 = iconst.i64 16
            v103 = iadd.i64 v41, v102  ; v102 = 16
            v104 = iconst.i64 16
            v105 = iadd.i64 v37, v104  ; v104 = 16
            jump block10(v105, v103, v50, v56, v65, v71, v80, v86, v95, v101)

        block12:
            jump block13(v37, v41, v49, v55)

        block13(v115: i64, v119: i64, v127: f64x2, v133: f64x2):
            v161 -> v127
            v168 -> v133
            v116 = isub.i64 v35, v115
            v117 = iconst.i64 4
            v118 = icmp uge v116, v117  ; v117 = 4
            brif v118, block14, block15

        block14:
            v120 = iconst.i64 2
            v121 = ishl.i64 v119, v120  ; v120 = 2
            v122 = iadd.i64 v3, v121
            v123 = load.f64 notrap v122
            v124 = scalar_to_vector.f64x2 v123
            v125 = bitcast.f32x4 little v124
            v126 = fvpromote_low v125
            v128 = fadd.f64x2 v127, v126
            v129 = load.f64 notrap v122+8
            v130 = scalar_to_vector.f64x2 v129
            v131 = bitcast.f32x4 little v130
            v132 = fvpromote_low v131
            v134 = fadd.f64x2 v133, v132
            v135 = iconst.i64 4
            v136 = iadd.i64 v119, v135  ; v135 = 4
            v137 = iconst.i64 4
            v138 = iadd.i64 v115, v137  ; v137 = 4
            jump block13(v138, v136, v128, v134)

        block15:
            jump block16(v115, v119, v155)  ; v155 = 0.0

        block16(v139: i64, v141: i64, v147: f64):
            v140 = icmp ult v139, v35
            brif v140, block17, block18

        block17:
            v142 = iconst.i64 2
            v143 = ishl.i64 v141, v142  ; v142 = 2
            v144 = iadd.i64 v3, v143
            v145 = load.f32 notrap aligned readonly can_move v144
            v146 = fpromote.f64 v145
            v148 = fadd.f64 v147, v146
            v149 = iconst.i64 1
            v150 = iadd.i64 v141, v149  ; v149 = 1
            v151 = iconst.i64 1
            v152 = iadd.i64 v139, v151  ; v151 = 1
            jump block16(v152, v150, v148)

        block18:
            v159 = isub.i64 v31, v35  ; v31 = 1024
            jump block9(v127, v147, v133, v64, v70, v79, v85, v94, v100)

        block9(v160: f64x2, v163: f64, v167: f64x2, v173: f64x2, v180: f64x2, v187: f64x2, v194: f64x2, v201: f64x2, v208: f64x2):
            v162 = extractlane v160, 0
            v164 = fadd v163, v162
            v165 = extractlane v160, 1
            v166 = fadd v164, v165
            v169 = extractlane v167, 0
            v170 = fadd v166, v169
            v171 = extractlane v167, 1
            v172 = fadd v170, v171
            v176 = extractlane v173, 0
            v177 = fadd v172, v176
            v178 = extractlane v173, 1
            v179 = fadd v177, v178
            v183 = extractlane v180, 0
            v184 = fadd v179, v183
            v185 = extractlane v180, 1
            v186 = fadd v184, v185
            v190 = extractlane v187, 0
            v191 = fadd v186, v190
            v192 = extractlane v187, 1
            v193 = fadd v191, v192
            v197 = extractlane v194, 0
            v198 = fadd v193, v197
            v199 = extractlane v194, 1
            v200 = fadd v198, v199
            v204 = extractlane v201, 0
            v205 = fadd v200, v204
            v206 = extractlane v201, 1
            v207 = fadd v205, v206
            v211 = extractlane v208, 0
            v212 = fadd v207, v211
            v213 = extractlane v208, 1
            v214 = fadd v212, v213
            v215 = iconst.i64 3
            v216 = ishl.i64 v25, v215  ; v215 = 3
            v217 = iadd.i64 v4, v216
            store notrap aligned v214, v217
            v222 = iconst.i64 1024
            v223 = iadd.i64 v24, v222  ; v222 = 1024
            v228 = iconst.i64 1
            v229 = iadd.i64 v25, v228  ; v228 = 1
            v234 = iconst.i64 1
            v235 = iadd.i64 v22, v234  ; v234 = 1
            jump block4(v235, v223, v229)

        block6:
            v243 = isub.i64 v16, v20
            jump block3

        block3:
            return
        }

        ; kernel k1
        function u0:1(i64, i64, i64) system_v {
        block0(v0: i64, v1: i64, v2: i64):
            v11 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = iconst.i64 0
            v73 -> v6
            v18 -> v73
            v57 -> v18
            v74 -> v18
            v75 -> v18
            v7 = iconst.i64 0
            v8 = iconst.i64 0
            v9 = isub v2, v1
            v10 -> v9
            v76 -> v10
            v77 -> v76
            v78 -> v76
            jump block1

        block1:
            brif.i64 v10, block2, block3

        block2:
            v12 = iconst.i64 1
            v13 = isub v12, v11  ; v12 = 1
            v14 = umin v13, v10
            v15 = iconst.i64 0
            jump block4(v15)  ; v15 = 0

        block4(v16: i64):
            v69 -> v16
            v70 -> v16
            v17 = icmp ult v16, v14
            brif v17, block5, block6

        block5:
            v19 = f64const 0.0
            v58 -> v19
            v20 = f64const 0.0
            v59 -> v20
            v21 = iconst.i64 512
            v23 -> v21
            v60 -> v23
            v22 = iconst.i64 0
            v24 -> v22
            jump block7

        block7:
            brif.i64 v23, block8, block9(v58, v59)  ; v23 = 512, v58 = 0.0, v59 = 0.0

        block8:
            v25 = iconst.i64 512
            v26 = isub v25, v24  ; v25 = 512, v24 = 0
            v27 = umin v26, v23  ; v23 = 512
            v28 = iconst.i64 0
            jump block10(v28, v57, v58, v59)  ; v28 = 0, v57 = 0, v58 = 0.0, v59 = 0.0

        block10(v29: i64, v31: i64, v36: f64, v37: f64):
            v30 = icmp ult v29, v27
            brif v30, block11, block12

        block11:
            v32 = iconst.i64 3
            v33 = ishl.i64 v31, v32  ; v32 = 3
            v34 = iadd.i64 v3, v33
            v35 = load.f64 notrap aligned readonly can_move v34
            v38 = fadd.f64 v36, v35
            v39 = fabs.f64 v36
            v40 = fabs v35
            v41 = fcmp ge v39, v40
            v42 = fsub.f64 v36, v38
            v43 = fadd v42, v35
            v44 = fsub v35, v38
            v45 = fadd v44, v36
            v46 = fabs v38
            v47 = f64const +Inf
            v48 = fcmp lt v46, v47  ; v47 = +Inf
            v49 = f64const 0.0
            v50 = select v41, v43, v45
            v51 = select v48, v50, v49  ; v49 = 0.0
            v52 = fadd.f64 v37, v51
            v53 = iconst.i64 1
            v54 = iadd.i64 v31, v53  ; v53 = 1
            v55 = iconst.i64 1
            v56 = iadd.i64 v29, v55  ; v55 = 1
            jump block10(v56, v54, v38, v52)

        block12:
            v61 = isub.i64 v23, v27  ; v23 = 512
            jump block9(v36, v37)

        block9(v62: f64, v63: f64):
            v64 = fadd v62, v63
            v65 = fdemote.f32 v64
            v66 = iconst.i64 2
            v67 = ishl.i64 v18, v66  ; v18 = 0, v66 = 2
            v68 = iadd.i64 v4, v67
            store notrap aligned v65, v68
            v71 = iconst.i64 1
            v72 = iadd.i64 v16, v71  ; v71 = 1
            jump block4(v72)

        block6:
            v79 = isub.i64 v10, v14
            jump block3

        block3:
            return
        }
    "#]],
    );
}

#[test]
fn threefry_bits() {
    let mut g = Graph::new();
    let key = arg(&mut g, &[2], DType::U32);
    let op = Op::RandomBits {
        shape: Shape::new(&[1024]),
        dtype: DType::U32,
        partitionable: true,
    };
    let bits = g.add(op, &[key]).unwrap();
    g.output(bits, OutputRole::Result(0));
    check_clif(
        &g,
        expect![[r#"
        ; kernel k0
        function u0:0(i64, i64, i64) system_v {
            const0 = 0x00000003000000020000000100000000

        block0(v0: i64, v1: i64, v2: i64):
            v39 -> v1
            v3 = load.i64 notrap aligned readonly v0
            v4 = load.i64 notrap aligned readonly v0+8
            v5 = load.i64 notrap aligned readonly v0+16
            v6 = load.i32 notrap aligned readonly v3
            v7 = load.i32 notrap aligned readonly v3+4
            v8 = bxor v6, v7
            v9 = iconst.i32 0x1bd1_1bda
            v10 = bxor v8, v9  ; v9 = 0x1bd1_1bda
            v11 = iconst.i32 1
            v12 = iadd v10, v11  ; v11 = 1
            v13 = iconst.i32 2
            v14 = iadd v6, v13  ; v13 = 2
            v15 = iconst.i32 3
            v16 = iadd v7, v15  ; v15 = 3
            v17 = iconst.i32 4
            v18 = iadd v10, v17  ; v17 = 4
            v19 = iconst.i32 5
            v20 = iadd v6, v19  ; v19 = 5
            v21 = splat.i32x4 v6
            v22 = splat.i32x4 v7
            v23 = splat.i32x4 v10
            v24 = splat.i32x4 v12
            v25 = splat.i32x4 v14
            v26 = splat.i32x4 v16
            v27 = splat.i32x4 v18
            v28 = splat.i32x4 v20
            v29 = vconst.i32x4 const0
            v30 = iadd v22, v29  ; v29 = const0
            v31 = iconst.i64 0
            v32 = iconst.i64 0
            v33 = iconst.i64 0
            v34 = iconst.i64 1
            v35 = imul v1, v34  ; v34 = 1
            v36 = iadd v31, v35  ; v31 = 0
            v689 -> v36
            v37 = isub v2, v1
            v38 -> v37
            v961 -> v38
            v962 -> v38
            v963 -> v38
            jump block1

        block1:
            brif.i64 v38, block2, block3

        block2:
            v40 = iconst.i64 1024
            v41 = isub v40, v39  ; v40 = 1024
            v42 = umin v41, v38
            v43 = iconst.i64 0
            jump block4(v43, v689)  ; v43 = 0

        block4(v44: i64, v48: i64):
            v45 = isub.i64 v42, v44
            v46 = iconst.i64 16
            v47 = icmp uge v45, v46  ; v46 = 16
            brif v47, block5, block6

        block5:
            v49 = iconst.i64 0
            v50 = iadd.i64 v48, v49  ; v49 = 0
            v51 = ireduce.i32 v50
            v52 = splat.i32x4 v51
            v53 = iadd v52, v30
            v54 = iadd.i32x4 v21, v53
            v55 = iconst.i32 13
            v56 = ishl v53, v55  ; v55 = 13
            v57 = iconst.i32 19
            v58 = ushr v53, v57  ; v57 = 19
            v59 = bor v56, v58
            v60 = bxor v59, v54
            v61 = iadd v54, v60
            v62 = iconst.i32 15
            v63 = ishl v60, v62  ; v62 = 15
            v64 = iconst.i32 17
            v65 = ushr v60, v64  ; v64 = 17
            v66 = bor v63, v65
            v67 = bxor v66, v61
            v68 = iadd v61, v67
            v69 = iconst.i32 26
            v70 = ishl v67, v69  ; v69 = 26
            v71 = iconst.i32 6
            v72 = ushr v67, v71  ; v71 = 6
            v73 = bor v70, v72
            v74 = bxor v73, v68
            v75 = iadd v68, v74
            v76 = iconst.i32 6
            v77 = ishl v74, v76  ; v76 = 6
            v78 = iconst.i32 26
            v79 = ushr v74, v78  ; v78 = 26
            v80 = bor v77, v79
            v81 = bxor v80, v75
            v82 = iadd v75, v22
            v83 = iadd v81, v24
            v84 = iadd v82, v83
            v85 = iconst.i32 17
            v86 = ishl v83, v85  ; v85 = 17
            v87 = iconst.i32 15
            v88 = ushr v83, v87  ; v87 = 15
            v89 = bor v86, v88
            v90 = bxor v89, v84
            v91 = iadd v84, v90
            v92 = iconst.i32 29
            v93 = ishl v90, v92  ; v92 = 29
            v94 = iconst.i32 3
            v95 = ushr v90, v94  ; v94 = 3
            v96 = bor v93, v95
            v97 = bxor v96, v91
            v98 = iadd v91, v97
            v99 = iconst.i32 16
            v100 = ishl v97, v99  ; v99 = 16
            v101 = iconst.i32 16
            v102 = ushr v97, v101  ; v101 = 16
            v103 = bor v100, v102
            v104 = bxor v103, v98
            v105 = iadd v98, v104
            v106 = iconst.i32 24
            v107 = ishl v104, v106  ; v106 = 24
            v108 = iconst.i32 8
            v109 = ushr v104, v108  ; v108 = 8
            v110 = bor v107, v109
            v111 = bxor v110, v105
            v112 = iadd v105, v23
            v113 = iadd v111, v25
            v114 = iadd v112, v113
            v115 = iconst.i32 13
            v116 = ishl v113, v115  ; v115 = 13
            v117 = iconst.i32 19
            v118 = ushr v113, v117  ; v117 = 19
            v119 = bor v116, v118
            v120 = bxor v119, v114
            v121 = iadd v114, v120
            v122 = iconst.i32 15
            v123 = ishl v120, v122  ; v122 = 15
            v124 = iconst.i32 17
            v125 = ushr v120, v124  ; v124 = 17
            v126 = bor v123, v125
            v127 = bxor v126, v121
            v128 = iadd v121, v127
            v129 = iconst.i32 26
            v130 = ishl v127, v129  ; v129 = 26
            v131 = iconst.i32 6
            v132 = ushr v127, v131  ; v131 = 6
            v133 = bor v130, v132
            v134 = bxor v133, v128
            v135 = iadd v128, v134
            v136 = iconst.i32 6
            v137 = ishl v134, v136  ; v136 = 6
            v138 = iconst.i32 26
            v139 = ushr v134, v138  ; v138 = 26
            v140 = bor v137, v139
            v141 = bxor v140, v135
            v142 = iadd v135, v21
            v143 = iadd v141, v26
            v144 = iadd v142, v143
            v145 = iconst.i32 17
            v146 = ishl v143, v145  ; v145 = 17
            v147 = iconst.i32 15
            v148 = ushr v143, v147  ; v147 = 15
            v149 = bor v146, v148
            v150 = bxor v149, v144
            v151 = iadd v144, v150
            v152 = iconst.i32 29
            v153 = ishl v150, v152  ; v152 = 29
            v154 = iconst.i32 3
            v155 = ushr v150, v154  ; v154 = 3
            v156 = bor v153, v155
            v157 = bxor v156, v151
            v158 = iadd v151, v157
            v159 = iconst.i32 16
            v160 = ishl v157, v159  ; v159 = 16
            v161 = iconst.i32 16
            v162 = ushr v157, v161  ; v161 = 16
            v163 = bor v160, v162
            v164 = bxor v163, v158
            v165 = iadd v158, v164
            v166 = iconst.i32 24
            v167 = ishl v164, v166  ; v166 = 24
            v168 = iconst.i32 8
            v169 = ushr v164, v168  ; v168 = 8
            v170 = bor v167, v169
            v171 = bxor v170, v165
            v172 = iadd v165, v22
            v173 = iadd v171, v27
            v174 = iadd v172, v173
            v175 = iconst.i32 13
            v176 = ishl v173, v175  ; v175 = 13
            v177 = iconst.i32 19
            v178 = ushr v173, v177  ; v177 = 19
            v179 = bor v176, v178
            v180 = bxor v179, v174
            v181 = iadd v174, v180
            v182 = iconst.i32 15
            v183 = ishl v180, v182  ; v182 = 15
            v184 = iconst.i32 17
            v185 = ushr v180, v184  ; v184 = 17
            v186 = bor v183, v185
            v187 = bxor v186, v181
            v188 = iadd v181, v187
            v189 = iconst.i32 26
            v190 = ishl v187, v189  ; v189 = 26
            v191 = iconst.i32 6
            v192 = ushr v187, v191  ; v191 = 6
            v193 = bor v190, v192
            v194 = bxor v193, v188
            v195 = iadd v188, v194
            v196 = iconst.i32 6
            v197 = ishl v194, v196  ; v196 = 6
            v198 = iconst.i32 26
            v199 = ushr v194, v198  ; v198 = 26
            v200 = bor v197, v199
            v201 = bxor v200, v195
            v202 = iadd v195, v23
            v203 = iadd v201, v28
            v204 = bxor v202, v203
            v205 = iconst.i64 2
            v206 = ishl.i64 v48, v205  ; v205 = 2
            v207 = iadd.i64 v4, v206
            store notrap v204, v207
            v208 = iconst.i64 4
            v209 = iadd.i64 v48, v208  ; v208 = 4
            v210 = ireduce.i32 v209
            v211 = splat.i32x4 v210
            v212 = iadd v211, v30
            v213 = iadd.i32x4 v21, v212
            v214 = iconst.i32 13
            v215 = ishl v212, v214  ; v214 = 13
            v216 = iconst.i32 19
            v217 = ushr v212, v216  ; v216 = 19
            v218 = bor v215, v217
            v219 = bxor v218, v213
            v220 = iadd v213, v219
            v221 = iconst.i32 15
            v222 = ishl v219, v221  ; v221 = 15
            v223 = iconst.i32 17
            v224 = ushr v219, v223  ; v223 = 17
            v225 = bor v222, v224
            v226 = bxor v225, v220
            v227 = iadd v220, v226
            v228 = iconst.i32 26
            v229 = ishl v226, v228  ; v228 = 26
            v230 = iconst.i32 6
            v231 = ushr v226, v230  ; v230 = 6
            v232 = bor v229, v231
            v233 = bxor v232, v227
            v234 = iadd v227, v233
            v235 = iconst.i32 6
            v236 = ishl v233, v235  ; v235 = 6
            v237 = iconst.i32 26
            v238 = ushr v233, v237  ; v237 = 26
            v239 = bor v236, v238
            v240 = bxor v239, v234
            v241 = iadd v234, v22
            v242 = iadd v240, v24
            v243 = iadd v241, v242
            v244 = iconst.i32 17
            v245 = ishl v242, v244  ; v244 = 17
            v246 = iconst.i32 15
            v247 = ushr v242, v246  ; v246 = 15
            v248 = bor v245, v247
            v249 = bxor v248, v243
            v250 = iadd v243, v249
            v251 = iconst.i32 29
            v252 = ishl v249, v251  ; v251 = 29
            v253 = iconst.i32 3
            v254 = ushr v249, v253  ; v253 = 3
            v255 = bor v252, v254
            v256 = bxor v255, v250
            v257 = iadd v250, v256
            v258 = iconst.i32 16
            v259 = ishl v256, v258  ; v258 = 16
            v260 = iconst.i32 16
            v261 = ushr v256, v260  ; v260 = 16
            v262 = bor v259, v261
            v263 = bxor v262, v257
            v264 = iadd v257, v263
            v265 = iconst.i32 24
            v266 = ishl v263, v265  ; v265 = 24
            v267 = iconst.i32 8
            v268 = ushr v263, v267  ; v267 = 8
            v269 = bor v266, v268
            v270 = bxor v269, v264
            v271 = iadd v264, v23
            v272 = iadd v270, v25
            v273 = iadd v271, v272
            v274 = iconst.i32 13
            v275 = ishl v272, v274  ; v274 = 13
            v276 = iconst.i32 19
            v277 = ushr v272, v276  ; v276 = 19
            v278 = bor v275, v277
            v279 = bxor v278, v273
            v280 = iadd v273, v279
            v281 = iconst.i32 15
            v282 = ishl v279, v281  ; v281 = 15
            v283 = iconst.i32 17
            v284 = ushr v279, v283  ; v283 = 17
            v285 = bor v282, v284
            v286 = bxor v285, v280
            v287 = iadd v280, v286
            v288 = iconst.i32 26
            v289 = ishl v286, v288  ; v288 = 26
            v290 = iconst.i32 6
            v291 = ushr v286, v290  ; v290 = 6
            v292 = bor v289, v291
            v293 = bxor v292, v287
            v294 = iadd v287, v293
            v295 = iconst.i32 6
            v296 = ishl v293, v295  ; v295 = 6
            v297 = iconst.i32 26
            v298 = ushr v293, v297  ; v297 = 26
            v299 = bor v296, v298
            v300 = bxor v299, v294
            v301 = iadd v294, v21
            v302 = iadd v300, v26
            v303 = iadd v301, v302
            v304 = iconst.i32 17
            v305 = ishl v302, v304  ; v304 = 17
            v306 = iconst.i32 15
            v307 = ushr v302, v306  ; v306 = 15
            v308 = bor v305, v307
            v309 = bxor v308, v303
            v310 = iadd v303, v309
            v311 = iconst.i32 29
            v312 = ishl v309, v311  ; v311 = 29
            v313 = iconst.i32 3
            v314 = ushr v309, v313  ; v313 = 3
            v315 = bor v312, v314
            v316 = bxor v315, v310
            v317 = iadd v310, v316
            v318 = iconst.i32 16
            v319 = ishl v316, v318  ; v318 = 16
            v320 = iconst.i32 16
            v321 = ushr v316, v320  ; v320 = 16
            v322 = bor v319, v321
            v323 = bxor v322, v317
            v324 = iadd v317, v323
            v325 = iconst.i32 24
            v326 = ishl v323, v325  ; v325 = 24
            v327 = iconst.i32 8
            v328 = ushr v323, v327  ; v327 = 8
            v329 = bor v326, v328
            v330 = bxor v329, v324
            v331 = iadd v324, v22
            v332 = iadd v330, v27
            v333 = iadd v331, v332
            v334 = iconst.i32 13
            v335 = ishl v332, v334  ; v334 = 13
            v336 = iconst.i32 19
            v337 = ushr v332, v336  ; v336 = 19
            v338 = bor v335, v337
            v339 = bxor v338, v333
            v340 = iadd v333, v339
            v341 = iconst.i32 15
            v342 = ishl v339, v341  ; v341 = 15
            v343 = iconst.i32 17
            v344 = ushr v339, v343  ; v343 = 17
            v345 = bor v342, v344
            v346 = bxor v345, v340
            v347 = iadd v340, v346
            v348 = iconst.i32 26
            v349 = ishl v346, v348  ; v348 = 26
            v350 = iconst.i32 6
            v351 = ushr v346, v350  ; v350 = 6
            v352 = bor v349, v351
            v353 = bxor v352, v347
            v354 = iadd v347, v353
            v355 = iconst.i32 6
            v356 = ishl v353, v355  ; v355 = 6
            v357 = iconst.i32 26
            v358 = ushr v353, v357  ; v357 = 26
            v359 = bor v356, v358
            v360 = bxor v359, v354
            v361 = iadd v354, v23
            v362 = iadd v360, v28
            v363 = bxor v361, v362
            v364 = iconst.i64 2
            v365 = ishl.i64 v48, v364  ; v364 = 2
            v366 = iadd.i64 v4, v365
            store notrap v363, v366+16
            v367 = iconst.i64 8
            v368 = iadd.i64 v48, v367  ; v367 = 8
            v369 = ireduce.i32 v368
            v370 = splat.i32x4 v369
            v371 = iadd v370, v30
            v372 = iadd.i32x4 v21, v371
            v373 = iconst.i32 13
            v374 = ishl v371, v373  ; v373 = 13
            v375 = iconst.i32 19
            v376 = ushr v371, v375  ; v375 = 19
            v377 = bor v374, v376
            v378 = bxor v377, v372
            v379 = iadd v372, v378
            v380 = iconst.i32 15
            v381 = ishl v378, v380  ; v380 = 15
            v382 = iconst.i32 17
            v383 = ushr v378, v382  ; v382 = 17
            v384 = bor v381, v383
            v385 = bxor v384, v379
            v386 = iadd v379, v385
            v387 = iconst.i32 26
            v388 = ishl v385, v387  ; v387 = 26
            v389 = iconst.i32 6
            v390 = ushr v385, v389  ; v389 = 6
            v391 = bor v388, v390
            v392 = bxor v391, v386
            v393 = iadd v386, v392
            v394 = iconst.i32 6
            v395 = ishl v392, v394  ; v394 = 6
            v396 = iconst.i32 26
            v397 = ushr v392, v396  ; v396 = 26
            v398 = bor v395, v397
            v399 = bxor v398, v393
            v400 = iadd v393, v22
            v401 = iadd v399, v24
            v402 = iadd v400, v401
            v403 = iconst.i32 17
            v404 = ishl v401, v403  ; v403 = 17
            v405 = iconst.i32 15
            v406 = ushr v401, v405  ; v405 = 15
            v407 = bor v404, v406
            v408 = bxor v407, v402
            v409 = iadd v402, v408
            v410 = iconst.i32 29
            v411 = ishl v408, v410  ; v410 = 29
            v412 = iconst.i32 3
            v413 = ushr v408, v412  ; v412 = 3
            v414 = bor v411, v413
            v415 = bxor v414, v409
            v416 = iadd v409, v415
            v417 = iconst.i32 16
            v418 = ishl v415, v417  ; v417 = 16
            v419 = iconst.i32 16
            v420 = ushr v415, v419  ; v419 = 16
            v421 = bor v418, v420
            v422 = bxor v421, v416
            v423 = iadd v416, v422
            v424 = iconst.i32 24
            v425 = ishl v422, v424  ; v424 = 24
            v426 = iconst.i32 8
            v427 = ushr v422, v426  ; v426 = 8
            v428 = bor v425, v427
            v429 = bxor v428, v423
            v430 = iadd v423, v23
            v431 = iadd v429, v25
            v432 = iadd v430, v431
            v433 = iconst.i32 13
            v434 = ishl v431, v433  ; v433 = 13
            v435 = iconst.i32 19
            v436 = ushr v431, v435  ; v435 = 19
            v437 = bor v434, v436
            v438 = bxor v437, v432
            v439 = iadd v432, v438
            v440 = iconst.i32 15
            v441 = ishl v438, v440  ; v440 = 15
            v442 = iconst.i32 17
            v443 = ushr v438, v442  ; v442 = 17
            v444 = bor v441, v443
            v445 = bxor v444, v439
            v446 = iadd v439, v445
            v447 = iconst.i32 26
            v448 = ishl v445, v447  ; v447 = 26
            v449 = iconst.i32 6
            v450 = ushr v445, v449  ; v449 = 6
            v451 = bor v448, v450
            v452 = bxor v451, v446
            v453 = iadd v446, v452
            v454 = iconst.i32 6
            v455 = ishl v452, v454  ; v454 = 6
            v456 = iconst.i32 26
            v457 = ushr v452, v456  ; v456 = 26
            v458 = bor v455, v457
            v459 = bxor v458, v453
            v460 = iadd v453, v21
            v461 = iadd v459, v26
            v462 = iadd v460, v461
            v463 = iconst.i32 17
            v464 = ishl v461, v463  ; v463 = 17
            v465 = iconst.i32 15
            v466 = ushr v461, v465  ; v465 = 15
            v467 = bor v464, v466
            v468 = bxor v467, v462
            v469 = iadd v462, v468
            v470 = iconst.i32 29
            v471 = ishl v468, v470  ; v470 = 29
            v472 = iconst.i32 3
            v473 = ushr v468, v472  ; v472 = 3
            v474 = bor v471, v473
            v475 = bxor v474, v469
            v476 = iadd v469, v475
            v477 = iconst.i32 16
            v478 = ishl v475, v477  ; v477 = 16
            v479 = iconst.i32 16
            v480 = ushr v475, v479  ; v479 = 16
            v481 = bor v478, v480
            v482 = bxor v481, v476
            v483 = iadd v476, v482
            v484 = iconst.i32 24
            v485 = ishl v482, v484  ; v484 = 24
            v486 = iconst.i32 8
            v487 = ushr v482, v486  ; v486 = 8
            v488 = bor v485, v487
            v489 = bxor v488, v483
            v490 = iadd v483, v22
            v491 = iadd v489, v27
            v492 = iadd v490, v491
            v493 = iconst.i32 13
            v494 = ishl v491, v493  ; v493 = 13
            v495 = iconst.i32 19
            v496 = ushr v491, v495  ; v495 = 19
            v497 = bor v494, v496
            v498 = bxor v497, v492
            v499 = iadd v492, v498
            v500 = iconst.i32 15
            v501 = ishl v498, v500  ; v500 = 15
            v502 = iconst.i32 17
            v503 = ushr v498, v502  ; v502 = 17
            v504 = bor v501, v503
            v505 = bxor v504, v499
            v506 = iadd v499, v505
            v507 = iconst.i32 26
            v508 = ishl v505, v507  ; v507 = 26
            v509 = iconst.i32 6
            v510 = ushr v505, v509  ; v509 = 6
            v511 = bor v508, v510
            v512 = bxor v511, v506
            v513 = iadd v506, v512
            v514 = iconst.i32 6
            v515 = ishl v512, v514  ; v514 = 6
            v516 = iconst.i32 26
            v517 = ushr v512, v516  ; v516 = 26
            v518 = bor v515, v517
            v519 = bxor v518, v513
            v520 = iadd v513, v23
            v521 = iadd v519, v28
            v522 = bxor v520, v521
            v523 = iconst.i64 2
            v524 = ishl.i64 v48, v523  ; v523 = 2
            v525 = iadd.i64 v4, v524
            store notrap v522, v525+32
            v526 = iconst.i64 12
            v527 = iadd.i64 v48, v526  ; v526 = 12
            v528 = ireduce.i32 v527
            v529 = splat.i32x4 v528
            v530 = iadd v529, v30
            v531 = iadd.i32x4 v21, v530
            v532 = iconst.i32 13
            v533 = ishl v530, v532  ; v532 = 13
            v534 = iconst.i32 19
            v535 = ushr v530, v534  ; v534 = 19
            v536 = bor v533, v535
            v537 = bxor v536, v531
            v538 = iadd v531, v537
            v539 = iconst.i32 15
            v540 = ishl v537, v539  ; v539 = 15
            v541 = iconst.i32 17
            v542 = ushr v537, v541  ; v541 = 17
            v543 = bor v540, v542
            v544 = bxor v543, v538
            v545 = iadd v538, v544
            v546 = iconst.i32 26
            v547 = ishl v544, v546  ; v546 = 26
            v548 = iconst.i32 6
            v549 = ushr v544, v548  ; v548 = 6
            v550 = bor v547, v549
            v551 = bxor v550, v545
            v552 = iadd v545, v551
            v553 = iconst.i32 6
            v554 = ishl v551, v553  ; v553 = 6
            v555 = iconst.i32 26
            v556 = ushr v551, v555  ; v555 = 26
            v557 = bor v554, v556
            v558 = bxor v557, v552
            v559 = iadd v552, v22
            v560 = iadd v558, v24
            v561 = iadd v559, v560
            v562 = iconst.i32 17
            v563 = ishl v560, v562  ; v562 = 17
            v564 = iconst.i32 15
            v565 = ushr v560, v564  ; v564 = 15
            v566 = bor v563, v565
            v567 = bxor v566, v561
            v568 = iadd v561, v567
            v569 = iconst.i32 29
            v570 = ishl v567, v569  ; v569 = 29
            v571 = iconst.i32 3
            v572 = ushr v567, v571  ; v571 = 3
            v573 = bor v570, v572
            v574 = bxor v573, v568
            v575 = iadd v568, v574
            v576 = iconst.i32 16
            v577 = ishl v574, v576  ; v576 = 16
            v578 = iconst.i32 16
            v579 = ushr v574, v578  ; v578 = 16
            v580 = bor v577, v579
            v581 = bxor v580, v575
            v582 = iadd v575, v581
            v583 = iconst.i32 24
            v584 = ishl v581, v583  ; v583 = 24
            v585 = iconst.i32 8
            v586 = ushr v581, v585  ; v585 = 8
            v587 = bor v584, v586
            v588 = bxor v587, v582
            v589 = iadd v582, v23
            v590 = iadd v588, v25
            v591 = iadd v589, v590
            v592 = iconst.i32 13
            v593 = ishl v590, v592  ; v592 = 13
            v594 = iconst.i32 19
            v595 = ushr v590, v594  ; v594 = 19
            v596 = bor v593, v595
            v597 = bxor v596, v591
            v598 = iadd v591, v597
            v599 = iconst.i32 15
            v600 = ishl v597, v599  ; v599 = 15
            v601 = iconst.i32 17
            v602 = ushr v597, v601  ; v601 = 17
            v603 = bor v600, v602
            v604 = bxor v603, v598
            v605 = iadd v598, v604
            v606 = iconst.i32 26
            v607 = ishl v604, v606  ; v606 = 26
            v608 = iconst.i32 6
            v609 = ushr v604, v608  ; v608 = 6
            v610 = bor v607, v609
            v611 = bxor v610, v605
            v612 = iadd v605, v611
            v613 = iconst.i32 6
            v614 = ishl v611, v613  ; v613 = 6
            v615 = iconst.i32 26
            v616 = ushr v611, v615  ; v615 = 26
            v617 = bor v614, v616
            v618 = bxor v617, v612
            v619 = iadd v612, v21
            v620 = iadd v618, v26
            v621 = iadd v619, v620
            v622 = iconst.i32 17
            v623 = ishl v620, v622  ; v622 = 17
            v624 = iconst.i32 15
            v625 = ushr v620, v624  ; v624 = 15
            v626 = bor v623, v625
            v627 = bxor v626, v621
            v628 = iadd v621, v627
            v629 = iconst.i32 29
            v630 = ishl v627, v629  ; v629 = 29
            v631 = iconst.i32 3
            v632 = ushr v627, v631  ; v631 = 3
            v633 = bor v630, v632
            v634 = bxor v633, v628
            v635 = iadd v628, v634
            v636 = iconst.i32 16
            v637 = ishl v634, v636  ; v636 = 16
            v638 = iconst.i32 16
            v639 = ushr v634, v638  ; v638 = 16
            v640 = bor v637, v639
            v641 = bxor v640, v635
            v642 = iadd v635, v641
            v643 = iconst.i32 24
            v644 = ishl v641, v643  ; v643 = 24
            v645 = iconst.i32 8
            v646 = ushr v641, v645  ; v645 = 8
            v647 = bor v644, v646
            v648 = bxor v647, v642
            v649 = iadd v642, v22
            v650 = iadd v648, v27
            v651 = iadd v649, v650
            v652 = iconst.i32 13
            v653 = ishl v650, v652  ; v652 = 13
            v654 = iconst.i32 19
            v655 = ushr v650, v654  ; v654 = 19
            v656 = bor v653, v655
            v657 = bxor v656, v651
            v658 = iadd v651, v657
            v659 = iconst.i32 15
            v660 = ishl v657, v659  ; v659 = 15
            v661 = iconst.i32 17
            v662 = ushr v657, v661  ; v661 = 17
            v663 = bor v660, v662
            v664 = bxor v663, v658
            v665 = iadd v658, v664
            v666 = iconst.i32 26
            v667 = ishl v664, v666  ; v666 = 26
            v668 = iconst.i32 6
            v669 = ushr v664, v668  ; v668 = 6
            v670 = bor v667, v669
            v671 = bxor v670, v665
            v672 = iadd v665, v671
            v673 = iconst.i32 6
            v674 = ishl v671, v673  ; v673 = 6
            v675 = iconst.i32 26
            v676 = ushr v671, v675  ; v675 = 26
            v677 = bor v674, v676
            v678 = bxor v677, v672
            v679 = iadd v672, v23
            v680 = iadd v678, v28
            v681 = bxor v679, v680
            v682 = iconst.i64 2
            v683 = ishl.i64 v48, v682  ; v682 = 2
            v684 = iadd.i64 v4, v683
            store notrap v681, v684+48
            v685 = iconst.i64 16
            v686 = iadd.i64 v48, v685  ; v685 = 16
            v687 = iconst.i64 16
            v688 = iadd.i64 v44, v687  ; v687 = 16
            jump block4(v688, v686)

        block6:
            jump block7(v44, v48)

        block7(v690: i64, v694: i64):
            v691 = isub.i64 v42, v690
            v692 = iconst.i64 4
            v693 = icmp uge v691, v692  ; v692 = 4
            brif v693, block8, block9

        block8:
            v695 = iconst.i64 0
            v696 = iadd.i64 v694, v695  ; v695 = 0
            v697 = ireduce.i32 v696
            v698 = splat.i32x4 v697
            v699 = iadd v698, v30
            v700 = iadd.i32x4 v21, v699
            v701 = iconst.i32 13
            v702 = ishl v699, v701  ; v701 = 13
            v703 = iconst.i32 19
            v704 = ushr v699, v703  ; v703 = 19
            v705 = bor v702, v704
            v706 = bxor v705, v700
            v707 = iadd v700, v706
            v708 = iconst.i32 15
            v709 = ishl v706, v708  ; v708 = 15
            v710 = iconst.i32 17
            v711 = ushr v706, v710  ; v710 = 17
            v712 = bor v709, v711
            v713 = bxor v712, v707
            v714 = iadd v707, v713
            v715 = iconst.i32 26
            v716 = ishl v713, v715  ; v715 = 26
            v717 = iconst.i32 6
            v718 = ushr v713, v717  ; v717 = 6
            v719 = bor v716, v718
            v720 = bxor v719, v714
            v721 = iadd v714, v720
            v722 = iconst.i32 6
            v723 = ishl v720, v722  ; v722 = 6
            v724 = iconst.i32 26
            v725 = ushr v720, v724  ; v724 = 26
            v726 = bor v723, v725
            v727 = bxor v726, v721
            v728 = iadd v721, v22
            v729 = iadd v727, v24
            v730 = iadd v728, v729
            v731 = iconst.i32 17
            v732 = ishl v729, v731  ; v731 = 17
            v733 = iconst.i32 15
            v734 = ushr v729, v733  ; v733 = 15
            v735 = bor v732, v734
            v736 = bxor v735, v730
            v737 = iadd v730, v736
            v738 = iconst.i32 29
            v739 = ishl v736, v738  ; v738 = 29
            v740 = iconst.i32 3
            v741 = ushr v736, v740  ; v740 = 3
            v742 = bor v739, v741
            v743 = bxor v742, v737
            v744 = iadd v737, v743
            v745 = iconst.i32 16
            v746 = ishl v743, v745  ; v745 = 16
            v747 = iconst.i32 16
            v748 = ushr v743, v747  ; v747 = 16
            v749 = bor v746, v748
            v750 = bxor v749, v744
            v751 = iadd v744, v750
            v752 = iconst.i32 24
            v753 = ishl v750, v752  ; v752 = 24
            v754 = iconst.i32 8
            v755 = ushr v750, v754  ; v754 = 8
            v756 = bor v753, v755
            v757 = bxor v756, v751
            v758 = iadd v751, v23
            v759 = iadd v757, v25
            v760 = iadd v758, v759
            v761 = iconst.i32 13
            v762 = ishl v759, v761  ; v761 = 13
            v763 = iconst.i32 19
            v764 = ushr v759, v763  ; v763 = 19
            v765 = bor v762, v764
            v766 = bxor v765, v760
            v767 = iadd v760, v766
            v768 = iconst.i32 15
            v769 = ishl v766, v768  ; v768 = 15
            v770 = iconst.i32 17
            v771 = ushr v766, v770  ; v770 = 17
            v772 = bor v769, v771
            v773 = bxor v772, v767
            v774 = iadd v767, v773
            v775 = iconst.i32 26
            v776 = ishl v773, v775  ; v775 = 26
            v777 = iconst.i32 6
            v778 = ushr v773, v777  ; v777 = 6
            v779 = bor v776, v778
            v780 = bxor v779, v774
            v781 = iadd v774, v780
            v782 = iconst.i32 6
            v783 = ishl v780, v782  ; v782 = 6
            v784 = iconst.i32 26
            v785 = ushr v780, v784  ; v784 = 26
            v786 = bor v783, v785
            v787 = bxor v786, v781
            v788 = iadd v781, v21
            v789 = iadd v787, v26
            v790 = iadd v788, v789
            v791 = iconst.i32 17
            v792 = ishl v789, v791  ; v791 = 17
            v793 = iconst.i32 15
            v794 = ushr v789, v793  ; v793 = 15
            v795 = bor v792, v794
            v796 = bxor v795, v790
            v797 = iadd v790, v796
            v798 = iconst.i32 29
            v799 = ishl v796, v798  ; v798 = 29
            v800 = iconst.i32 3
            v801 = ushr v796, v800  ; v800 = 3
            v802 = bor v799, v801
            v803 = bxor v802, v797
            v804 = iadd v797, v803
            v805 = iconst.i32 16
            v806 = ishl v803, v805  ; v805 = 16
            v807 = iconst.i32 16
            v808 = ushr v803, v807  ; v807 = 16
            v809 = bor v806, v808
            v810 = bxor v809, v804
            v811 = iadd v804, v810
            v812 = iconst.i32 24
            v813 = ishl v810, v812  ; v812 = 24
            v814 = iconst.i32 8
            v815 = ushr v810, v814  ; v814 = 8
            v816 = bor v813, v815
            v817 = bxor v816, v811
            v818 = iadd v811, v22
            v819 = iadd v817, v27
            v820 = iadd v818, v819
            v821 = iconst.i32 13
            v822 = ishl v819, v821  ; v821 = 13
            v823 = iconst.i32 19
            v824 = ushr v819, v823  ; v823 = 19
            v825 = bor v822, v824
            v826 = bxor v825, v820
            v827 = iadd v820, v826
            v828 = iconst.i32 15
            v829 = ishl v826, v828  ; v828 = 15
            v830 = iconst.i32 17
            v831 = ushr v826, v830  ; v830 = 17
            v832 = bor v829, v831
            v833 = bxor v832, v827
            v834 = iadd v827, v833
            v835 = iconst.i32 26
            v836 = ishl v833, v835  ; v835 = 26
            v837 = iconst.i32 6
            v838 = ushr v833, v837  ; v837 = 6
            v839 = bor v836, v838
            v840 = bxor v839, v834
            v841 = iadd v834, v840
            v842 = iconst.i32 6
            v843 = ishl v840, v842  ; v842 = 6
            v844 = iconst.i32 26
            v845 = ushr v840, v844  ; v844 = 26
            v846 = bor v843, v845
            v847 = bxor v846, v841
            v848 = iadd v841, v23
            v849 = iadd v847, v28
            v850 = bxor v848, v849
            v851 = iconst.i64 2
            v852 = ishl.i64 v694, v851  ; v851 = 2
            v853 = iadd.i64 v4, v852
            store notrap v850, v853
            v854 = iconst.i64 4
            v855 = iadd.i64 v694, v854  ; v854 = 4
            v856 = iconst.i64 4
            v857 = iadd.i64 v690, v856  ; v856 = 4
            jump block7(v857, v855)

        block9:
            jump block10(v690, v694)

        block10(v858: i64, v860: i64):
            v859 = icmp ult v858, v42
            brif v859, block11, block12

        block11:
            v861 = ireduce.i32 v860
            v862 = iadd v861, v7
            v863 = iadd.i32 v6, v862
            v864 = iconst.i32 13
            v865 = rotl v862, v864  ; v864 = 13
            v866 = bxor v865, v863
            v867 = iadd v863, v866
            v868 = iconst.i32 15
            v869 = rotl v866, v868  ; v868 = 15
            v870 = bxor v869, v867
            v871 = iadd v867, v870
            v872 = iconst.i32 26
            v873 = rotl v870, v872  ; v872 = 26
            v874 = bxor v873, v871
            v875 = iadd v871, v874
            v876 = iconst.i32 6
            v877 = rotl v874, v876  ; v876 = 6
            v878 = bxor v877, v875
            v879 = iadd v875, v7
            v880 = iadd v878, v12
            v881 = iadd v879, v880
            v882 = iconst.i32 17
            v883 = rotl v880, v882  ; v882 = 17
            v884 = bxor v883, v881
            v885 = iadd v881, v884
            v886 = iconst.i32 29
            v887 = rotl v884, v886  ; v886 = 29
            v888 = bxor v887, v885
            v889 = iadd v885, v888
            v890 = iconst.i32 16
            v891 = rotl v888, v890  ; v890 = 16
            v892 = bxor v891, v889
            v893 = iadd v889, v892
            v894 = iconst.i32 24
            v895 = rotl v892, v894  ; v894 = 24
            v896 = bxor v895, v893
            v897 = iadd v893, v10
            v898 = iadd v896, v14
            v899 = iadd v897, v898
            v900 = iconst.i32 13
            v901 = rotl v898, v900  ; v900 = 13
            v902 = bxor v901, v899
            v903 = iadd v899, v902
            v904 = iconst.i32 15
            v905 = rotl v902, v904  ; v904 = 15
            v906 = bxor v905, v903
            v907 = iadd v903, v906
            v908 = iconst.i32 26
            v909 = rotl v906, v908  ; v908 = 26
            v910 = bxor v909, v907
            v911 = iadd v907, v910
            v912 = iconst.i32 6
            v913 = rotl v910, v912  ; v912 = 6
            v914 = bxor v913, v911
            v915 = iadd v911, v6
            v916 = iadd v914, v16
            v917 = iadd v915, v916
            v918 = iconst.i32 17
            v919 = rotl v916, v918  ; v918 = 17
            v920 = bxor v919, v917
            v921 = iadd v917, v920
            v922 = iconst.i32 29
            v923 = rotl v920, v922  ; v922 = 29
            v924 = bxor v923, v921
            v925 = iadd v921, v924
            v926 = iconst.i32 16
            v927 = rotl v924, v926  ; v926 = 16
            v928 = bxor v927, v925
            v929 = iadd v925, v928
            v930 = iconst.i32 24
            v931 = rotl v928, v930  ; v930 = 24
            v932 = bxor v931, v929
            v933 = iadd v929, v7
            v934 = iadd v932, v18
            v935 = iadd v933, v934
            v936 = iconst.i32 13
            v937 = rotl v934, v936  ; v936 = 13
            v938 = bxor v937, v935
            v939 = iadd v935, v938
            v940 = iconst.i32 15
            v941 = rotl v938, v940  ; v940 = 15
            v942 = bxor v941, v939
            v943 = iadd v939, v942
            v944 = iconst.i32 26
            v945 = rotl v942, v944  ; v944 = 26
            v946 = bxor v945, v943
            v947 = iadd v943, v946
            v948 = iconst.i32 6
            v949 = rotl v946, v948  ; v948 = 6
            v950 = bxor v949, v947
            v951 = iadd v947, v10
            v952 = iadd v950, v20
            v953 = bxor v951, v952
            v954 = iconst.i64 2
            v955 = ishl.i64 v860, v954  ; v954 = 2
            v956 = iadd.i64 v4, v955
            store notrap aligned v953, v956
            v957 = iconst.i64 1
            v958 = iadd.i64 v860, v957  ; v957 = 1
            v959 = iconst.i64 1
            v960 = iadd.i64 v858, v959  ; v959 = 1
            jump block10(v960, v958)

        block12:
            v964 = isub.i64 v38, v42
            jump block3

        block3:
            return
        }
    "#]],
    );
}
