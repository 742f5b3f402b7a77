//! The ndarray backend borrows memory lent through a `SharedHost` (zero-copy `to_backend`):
//! values, negative strides, layouts it refuses, and that the lender's owner lives exactly as
//! long as a tensor reads its memory. No other framework needed, so Miri can check it:
//! `cargo +nightly miri test -p tensorswitch-ndarray --test borrow`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tensorswitch::{DType, SharedHost, Tensor};
use tensorswitch_ndarray::{as_ndarray, to_ndarray, NdArray, NDARRAY};

/// A lender's buffer that records when it is freed.
struct Owner {
    data: Vec<f32>,
    dropped: Arc<AtomicBool>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// Lends `data` with `shape`, `strides` and the first element at `start`.
fn lend(
    data: Vec<f32>,
    start: usize,
    shape: &[usize],
    strides: &[isize],
) -> (SharedHost, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let owner = Arc::new(Owner {
        data,
        dropped: dropped.clone(),
    });
    let shared = SharedHost {
        // From the whole Vec (not `data[start..]`): negative strides reach elements before
        // `start`, and the pointer must be allowed to read them.
        ptr: owner.data.as_ptr().wrapping_add(start).cast::<u8>(),
        dtype: DType::Float32,
        shape: shape.into(),
        strides: strides.iter().copied().collect(),
        owner,
    };
    (shared, dropped)
}

fn import(shared: SharedHost) -> tensorswitch::Result<Tensor> {
    let import = NDARRAY.import_shared_host.expect("ndarray borrows");
    // SAFETY: `lend` keeps the Vec alive and unchanged in the owner, and its pointer, shape
    // and strides only reach elements of that Vec.
    unsafe { import(shared) }
}

fn is_borrowed(t: &Tensor) -> bool {
    matches!(as_ndarray(t).as_deref(), Some(NdArray::Float32(s)) if s.is_borrowed())
}

fn values(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32 * 0.5).collect()
}

#[test]
fn borrowed_memory_is_read_in_place_and_owner_outlives_every_reader() {
    let (shared, dropped) = lend(values(6), 0, &[2, 3], &[3, 1]);
    let ptr = shared.ptr;
    let t = import(shared).unwrap();
    assert!(is_borrowed(&t));
    assert_eq!(to_ndarray::<f32>(&t).unwrap().as_ptr().cast::<u8>(), ptr);
    assert_eq!(t.shape(), &[2, 3]);
    assert_eq!(t.to_vec::<f32>().unwrap(), values(6));

    // Results of ops own their memory; clones, no-op reductions and re-lending share it.
    let sum = tensorswitch::add(&t, &t).unwrap();
    assert!(!is_borrowed(&sum));
    let copy = t.clone();
    let unreduced = tensorswitch::sum(&t, tensorswitch::Axes::List(Default::default())).unwrap();
    assert!(is_borrowed(&unreduced));
    let relent = (NDARRAY.share_host.unwrap())(&t).unwrap();
    assert_eq!(relent.ptr, ptr);
    assert_eq!(relent.strides.as_slice(), &[3, 1]);

    drop(t);
    assert!(!dropped.load(Ordering::SeqCst), "a clone still reads it");
    drop(copy);
    assert!(
        !dropped.load(Ordering::SeqCst),
        "a no-op reduction still reads it"
    );
    assert_eq!(unreduced.to_vec::<f32>().unwrap(), values(6));
    drop(unreduced);
    assert!(
        !dropped.load(Ordering::SeqCst),
        "re-lent memory is still alive"
    );
    drop(relent);
    assert!(dropped.load(Ordering::SeqCst), "the last reader is gone");
    assert_eq!(
        sum.to_vec::<f32>().unwrap(),
        values(6).iter().map(|v| v * 2.0).collect::<Vec<_>>()
    );
}

#[test]
fn ops_on_borrowed_memory_match_an_owned_copy() {
    let (shared, _) = lend(values(6), 0, &[2, 3], &[3, 1]);
    let b = import(shared).unwrap();
    let o = tensorswitch_ndarray::from_ndarray(to_ndarray::<f32>(&b).unwrap().view().to_owned());
    assert!(is_borrowed(&b) && !is_borrowed(&o));
    let same = |f: &dyn Fn(&Tensor) -> Tensor| {
        let (x, y) = (f(&b), f(&o));
        assert_eq!((x.shape(), x.dtype()), (y.shape(), y.dtype()));
        assert_eq!(x.to_host().unwrap(), y.to_host().unwrap());
    };
    same(&|x| tensorswitch::add(x, x).unwrap());
    same(&|x| tensorswitch::sum(x, [1]).unwrap());
    same(&|x| tensorswitch::matmul(x, &tensorswitch::matrix_transpose(x).unwrap()).unwrap());
    same(&|x| tensorswitch::reshape(x, [3, 2]).unwrap());
    same(&|x| tensorswitch::permute_dims(x, [1, 0]).unwrap());
    same(&|x| tensorswitch::argsort(x, tensorswitch::Sorting::along(-1).descending(true)).unwrap());
    same(&|x| tensorswitch::cumulative_sum(x, Some(0)).unwrap());
}

#[test]
fn negative_strides_are_borrowed_as_flipped_views() {
    // The element at (0, 0) is the last one in memory: both axes run backwards.
    let (shared, dropped) = lend(values(6), 5, &[2, 3], &[-3, -1]);
    let ptr = shared.ptr;
    let t = import(shared).unwrap();
    assert!(is_borrowed(&t));
    let v = to_ndarray::<f32>(&t).unwrap();
    assert_eq!(v.as_ptr().cast::<u8>(), ptr);
    assert_eq!(v.strides(), &[-3, -1]);
    assert_eq!(t.to_vec::<f32>().unwrap(), [2.5, 2.0, 1.5, 1.0, 0.5, 0.0]);
    // Mixed signs: element (i, j) at memory index 3 + i - 3 j (a transposed, flipped layout).
    let (shared, _) = lend(values(6), 3, &[3, 2], &[1, -3]);
    let m = import(shared).unwrap();
    assert_eq!(m.to_vec::<f32>().unwrap(), [1.5, 0.0, 2.0, 0.5, 2.5, 1.0]);
    let sum = tensorswitch::sum(&m, [0]).unwrap();
    assert_eq!(sum.to_vec::<f32>().unwrap(), [6.0, 1.5]);
    drop(v);
    drop(t);
    assert!(dropped.load(Ordering::SeqCst));
    drop(m);
}

/// `take`, slicing and `add` read a borrowed input through its strides, whatever they are:
/// every other element, backwards, and a transposed matrix (the layouts the backend cannot
/// read as one row-major slice). Expected values derived by hand from `values`.
#[test]
fn take_slicing_and_add_read_strided_borrowed_inputs_in_logical_order() {
    // Made on ndarray directly, so that no default backend is looked up (Miri's isolation).
    let ints = |v: &[i64]| tensorswitch_ndarray::from_ndarray(ndarray::arr1(v).into_dyn());
    let idx = ints(&[3, 0, -1]);
    let f32s = |t: tensorswitch::Result<Tensor>| t.unwrap().to_vec::<f32>().unwrap();
    // 0.0, 0.5, ..., 3.5; from index 1, every other: 0.5, 1.5, 2.5, 3.5.
    let (shared, _) = lend(values(8), 1, &[4], &[2]);
    let every_other = import(shared).unwrap();
    // From the last, backwards: 3.5, 3.0, ..., 0.0.
    let (shared, _) = lend(values(8), 7, &[8], &[-1]);
    let reversed = import(shared).unwrap();
    assert!(is_borrowed(&every_other) && is_borrowed(&reversed));
    assert_eq!(
        f32s(tensorswitch::take(&every_other, &idx, 0)),
        [3.5, 0.5, 3.5]
    );
    assert_eq!(
        f32s(tensorswitch::take(&reversed, &idx, 0)),
        [2.0, 3.5, 0.0]
    );
    assert_eq!(f32s(every_other.index(tensorswitch::s![1..;2])), [1.5, 3.5]);
    assert_eq!(
        f32s(reversed.index(tensorswitch::s![..;3])),
        [3.5, 2.0, 0.5]
    );
    assert_eq!(
        f32s(tensorswitch::add(
            &every_other,
            &reversed.index(tensorswitch::s![..4]).unwrap()
        )),
        [4.0, 4.5, 5.0, 5.5]
    );
    // The transpose of [[0, 0.5, 1], [1.5, 2, 2.5]]: [[0, 1.5], [0.5, 2], [1, 2.5]].
    let (shared, _) = lend(values(6), 0, &[3, 2], &[1, 3]);
    let t = import(shared).unwrap();
    assert!(is_borrowed(&t));
    let rows = ints(&[2, 0]);
    assert_eq!(f32s(tensorswitch::take(&t, &rows, 0)), [1.0, 2.5, 0.0, 1.5]);
    assert_eq!(
        f32s(tensorswitch::take(
            &t,
            &rows.index(tensorswitch::s![1..]).unwrap(),
            1
        )),
        [0.0, 0.5, 1.0]
    );
    assert_eq!(
        f32s(t.index(tensorswitch::s![1.., ..;-1])),
        [2.0, 0.5, 2.5, 1.0]
    );
}

#[test]
fn unrepresentable_layouts_are_refused_and_owner_released() {
    // Misaligned: one byte into an f32.
    let (mut shared, dropped) = lend(values(4), 0, &[2], &[1]);
    shared.ptr = shared.ptr.wrapping_add(1);
    assert!(import(shared).is_err());
    assert!(dropped.load(Ordering::SeqCst));
    // Empty: nothing to borrow.
    let (shared, _) = lend(values(1), 0, &[0, 3], &[3, 1]);
    assert!(import(shared).is_err());
    // Strides that do not match the shape.
    let (shared, _) = lend(values(4), 0, &[2, 2], &[1]);
    assert!(import(shared).is_err());
    // A broadcast (stride 0) is fine: every element reads the same memory.
    let (shared, _) = lend(values(2), 0, &[3, 2], &[0, 1]);
    let t = import(shared).unwrap();
    assert_eq!(t.to_vec::<f32>().unwrap(), [0.0, 0.5, 0.0, 0.5, 0.0, 0.5]);
}
