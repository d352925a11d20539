//! Builds `tests/c/smoke.c` and the README's "From C" example with the machine's `gcc`
//! against the static library, runs them, and recomputes every result the C program prints
//! with simdpool's Rust API (packed tensors, so the C side's strided route is checked
//! against a different path).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use simdpool::{AdaptivePool3d, Layout, Pool2d};

/// `libsimdpool_capi.a`, which cargo builds beside this test (the crate's lib target has
/// `staticlib` among its types).
fn static_lib() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // Built as this test's dependency it lies in `deps/`, beside the test.
    let deps = exe.parent().unwrap();
    let lib = deps.join("libsimdpool_capi.a");
    assert!(
        lib.exists(),
        "no {} (cargo builds it with the lib)",
        lib.display()
    );
    lib
}

fn compile_and_run(source: &Path, name: &str) -> String {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let status = Command::new("gcc")
        .args(["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(manifest.join("include"))
        .arg(source)
        .arg(static_lib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed on {}", source.display());
    let out = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The "out <name> <values...>" lines.
fn outputs(stdout: &str) -> HashMap<&str, Vec<f64>> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("out "))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next().unwrap();
            (name, parts.map(|v| v.parse().unwrap()).collect())
        })
        .collect()
}

/// Memory offset of logical `[n, c, y, x]` in a packed tensor of `shape` in `layout`.
fn at(shape: [usize; 4], layout: Layout, [n, c, y, x]: [usize; 4]) -> usize {
    let [_, cs, h, w] = shape;
    match layout {
        Layout::ChannelsFirst => ((n * cs + c) * h + y) * w + x,
        Layout::ChannelsLast => ((n * h + y) * w + x) * cs + c,
    }
}

#[test]
fn c_program_matches_the_rust_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/smoke.c");
    let stdout = compile_and_run(&src, "smoke");
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    let got = outputs(&stdout);

    // channel_slices(): parent x[i] = (37·i mod 23) − 11 in memory order.
    let (n, ci, co, h, w) = (2, 7, 6, 5, 6);
    let parent = [n, ci, h, w];
    let out_parent = [n, co, 3, 3];
    let memory: Vec<f32> = (0..n * ci * h * w)
        .map(|i| ((i * 37) % 23) as f32 - 11.0)
        .collect();
    let mut checked = 0;
    for (layout, tag) in [
        (Layout::ChannelsFirst, "first"),
        (Layout::ChannelsLast, "last"),
    ] {
        // The slice (channels 2..5) as a packed channels-first tensor.
        let shape = [n, 3, h, w];
        let mut x = Vec::new();
        for b in 0..n {
            for c in 0..3 {
                for y in 0..h {
                    for xx in 0..w {
                        x.push(memory[at(parent, layout, [b, c + 2, y, xx])]);
                    }
                }
            }
        }
        let max = Pool2d::max(3).stride(2).padding(1);
        let avg = Pool2d::avg(3).stride(2).padding(1).count_include_pad(false);
        let len = n * 3 * 9;
        let (mut ym, mut yi, mut ya) = (vec![0.0; len], vec![0i64; len], vec![0.0; len]);
        max.forward_with_indices(&x, shape, &mut ym, &mut yi)
            .unwrap();
        avg.forward(&x, shape, &mut ya).unwrap();
        for (name, want, sentinel) in [
            ("slice_max", ym.clone(), -100.0),
            ("slice_avg", ya, -100.0),
            ("slice_idx", yi.iter().map(|&v| v as f32).collect(), -1.0),
        ] {
            let c_out = &got[format!("{name}_{tag}").as_str()];
            assert_eq!(c_out.len(), n * co * 9);
            for b in 0..n {
                for c in 0..co {
                    for p in 0..9 {
                        let v = c_out[at(out_parent, layout, [b, c, p / 3, p % 3])];
                        let expect = if (1..4).contains(&c) {
                            want[(b * 3 + c - 1) * 9 + p] as f64
                        } else {
                            sentinel
                        };
                        assert_eq!(v as f32, expect as f32, "{name}_{tag} [{b}, {c}, {p}]");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 2 * 3 * n * co * 9);

    // bytes_and_threads(): the global average of v[i] = i mod 13 over 3 volumes of 4·5·6.
    let v: Vec<f32> = (0..3 * 120).map(|i| (i % 13) as f32).collect();
    let mut g = [0.0f32; 3];
    AdaptivePool3d::avg(1)
        .forward(&v, [1, 3, 4, 5, 6], &mut g)
        .unwrap();
    let c_g = &got["global_avg_3d"];
    for (a, b) in c_g.iter().zip(g) {
        assert_eq!(*a as f32, b);
    }
}

/// The README's "From C" block, compiled and run as it stands.
#[test]
fn readme_c_example_runs() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```c\n").expect("README has a ```c block") + 5;
    let code = &readme[start..];
    let code = &code[..code.find("```").unwrap()];
    let src = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme_example.c");
    std::fs::write(&src, code).unwrap();
    let out = compile_and_run(&src, "readme_example");
    assert!(out.contains("4 5 7 8"), "{out}");
}

/// The README's C++ example compiles against the header (where the machine has `g++`; a
/// fresh CI machine may have only gcc, and then this says so).
#[test]
fn readme_cpp_example_compiles() {
    if Command::new("g++").arg("--version").output().is_err() {
        println!("SKIPPED: no g++ here");
        return;
    }
    let readme = include_str!("../../README.md");
    let start = readme.find("```cpp\n").expect("README has a ```cpp block") + 7;
    let code = &readme[start..];
    let code = &code[..code.find("```").unwrap()];
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join("readme_example.cpp");
    std::fs::write(&src, code).unwrap();
    let status = Command::new("g++")
        .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-c", "-I"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("include"))
        .arg(&src)
        .arg("-o")
        .arg(dir.join("readme_example.o"))
        .status()
        .unwrap();
    assert!(status.success(), "g++ failed on the README's C++ example");
}
