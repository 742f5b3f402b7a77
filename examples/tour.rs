//! A tour of tensorswitch: create tensors, run ops, switch backends, push and pop the backend
//! stack, let the backend be inferred, and read a backend's coverage report.
//!
//! Run with `cargo run --release --example tour`. Set `TENSORSWITCH_BACKEND` to change the
//! implicit default backend.

use tensorswitch::{self as ts, DType, Tensor};
use tensorswitch_ndarray as _; // links the ndarray backend into this program

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn show(label: &str, t: &Tensor) {
    println!("  {label:<34} {t:?}");
}

fn run() -> ts::Result<()> {
    println!("tensorswitch tour");
    println!(
        "backends compiled in and usable: {:?}",
        ts::available_backends()
    );
    for name in ts::available_backends() {
        println!("  {name}: framework version {}", ts::backend_version(name)?);
    }

    println!("\n1. Creating tensors (no backend set: the implicit default runs them)");
    println!(
        "  implicit default backend: {}",
        ts::implicit_default_backend()?
    );
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    let b = ts::arange(0.0, 3.0, 1.0, DType::Float32)?;
    show("a = from_slice(.., [2, 3])", &a);
    show("b = arange(0, 3)", &b);
    show(
        "eye(3, k=1) (a compositional op)",
        &ts::eye(3, None, 1, DType::Int32)?,
    );
    show(
        "linspace(0, 1, 5)",
        &ts::linspace(0.0, 1.0, 5, true, DType::Float64)?,
    );

    println!("\n2. Ops with broadcasting, promotion and reductions");
    show("a + b (broadcast [2,3] with [3])", &ts::add(&a, &b)?);
    let i = Tensor::from_slice(&[1i8, 2, 3], &[3])?;
    let u = Tensor::from_slice(&[250u8, 251, 252], &[3])?;
    show("int8 + uint8 promotes to int16", &ts::add(&i, &u)?);
    show("sum(a, axis=1)", &ts::sum(&a, [1])?);
    show(
        "std(a, correction=1)",
        &ts::std(&a, tensorswitch::Statistic::over(None).correction(1.0))?,
    );
    show("softmax(a, axis=-1)", &ts::softmax(&a, -1)?);
    show("a @ a^T", &ts::matmul(&a, &ts::matrix_transpose(&a)?)?);
    show(
        "linalg.inv([[2,1],[1,1]])",
        &ts::linalg::inv(&Tensor::from_slice(&[2.0f64, 1.0, 1.0, 1.0], &[2, 2])?)?,
    );
    show(
        "argsort(a, tensorswitch::Sorting::along(axis=-1).descending(descending))",
        &ts::argsort(&a, tensorswitch::Sorting::along(-1).descending(true))?,
    );

    println!("\n3. Bad input is an error, never a panic");
    let c = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    println!("  a + [2 elements]:   {}", ts::add(&a, &c).unwrap_err());
    println!("  sum(a, axis=5):     {}", ts::sum(&a, [5]).unwrap_err());
    println!(
        "  set_backend(tourch): {}",
        ts::set_backend("tourch").unwrap_err()
    );

    println!("\n4. The backend stack");
    println!(
        "  stack at start: {:?} (unset: inferred from inputs)",
        ts::backend_stack()
    );
    ts::set_backend("ndarray")?;
    let old = ts::set_backend_to_specific_version("ndarray", "0.16.1")?;
    println!("  pushed {old}; stack: {:?}", ts::backend_stack());
    show(
        "expm1(1e-10) on 'ndarray 0.16.1'",
        &ts::expm1(&Tensor::from_slice(&[1e-10f64], &[1])?)?,
    );
    println!("  popped: {}", ts::previous_backend()?);
    show(
        "expm1(1e-10) on the real version",
        &ts::expm1(&Tensor::from_slice(&[1e-10f64], &[1])?)?,
    );
    println!("  popped: {}", ts::previous_backend()?);
    println!(
        "  previous_backend() on an empty stack: {}",
        ts::previous_backend().unwrap_err()
    );

    println!("\n5. A thread-scoped override (other threads are not affected)");
    let here = ts::with_backend("ndarray", || ts::current_backend().map(|b| b.to_string()))?;
    println!(
        "  inside with_backend: {here:?}; outside: {:?}",
        ts::current_backend()
    );

    println!("\n6. Coverage: where each op of the catalogue comes from");
    let detected = ts::function_table_report("ndarray")?;
    println!("{detected}");
    let old = ts::function_table_report_for_version("ndarray", "0.15.6")?;
    println!("\n  on ndarray 0.15.6 (emulated) the variants differ:");
    for (op, source) in old
        .rows
        .iter()
        .filter(|(op, s)| detected.rows[op.index()].1 != *s)
    {
        println!(
            "    {:<10} {}  (detected version: {})",
            op.name(),
            source,
            detected.rows[op.index()].1
        );
    }
    Ok(())
}
