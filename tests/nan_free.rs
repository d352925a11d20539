//! Max skips PyTorch's NaN test per tap when a scan finds no NaN (nor infinity) in the
//! rows a block of planes (or a band of a large plane) reads. These inputs put signed-zero
//! ties everywhere (where the cheap step must still keep the first of equal values) and a
//! NaN or an infinity in just one plane or one band (which must take the NaN-aware path
//! there and only there), on every ISA, against the reference, with and without indices.
mod common;

#[test]
fn nan_in_one_plane_or_band_only() {
    for isa in common::isas() {
        let n = common::nan_free_cases(isa, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 48, "{isa}: cases checked");
    }
}
