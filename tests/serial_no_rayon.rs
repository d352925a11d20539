//! `parallel(false)` never touches rayon: after large serial calls, rayon's global pool has
//! still not been created (building it succeeds only the first time).
use simdpool::Pool2d;

#[test]
fn serial_calls_leave_rayon_untouched() {
    let x = vec![1.0f32; 64 * 112 * 112];
    let mut y = vec![0.0; 64 * 56 * 56];
    let mut i = vec![0i64; 64 * 56 * 56];
    let p = Pool2d::max(3).stride(2).padding(1).parallel(false);
    p.forward(&x, [1, 64, 112, 112], &mut y).unwrap();
    p.forward_with_indices(&x, [1, 64, 112, 112], &mut y, &mut i)
        .unwrap();
    Pool2d::avg(2)
        .parallel(false)
        .forward(&x, [1, 64, 112, 112], &mut y)
        .unwrap();
    assert!(
        rayon::ThreadPoolBuilder::new().build_global().is_ok(),
        "rayon's global pool was started"
    );
}
