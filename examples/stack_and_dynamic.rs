//! The backend stack and dynamic conversion: push and pop backends, scope one to a closure,
//! and move every live tensor to another backend in place with a converting switch.
//!
//! ```sh
//! cargo run --release --example stack_and_dynamic
//! # with torch as the second backend (its plugin, built by
//! # `cargo build --release -p tensorswitch-torch-plugin`):
//! TENSORSWITCH_PLUGIN_PATH=target/release cargo run --release --example stack_and_dynamic
//! ```

use tensorswitch::dynamic::{self, Conversion, StackChange};
use tensorswitch::plugin::Availability;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;

fn main() -> ts::Result<()> {
    // A second backend, if this machine has one (torch's plugin, say); else ndarray again.
    let other = ts::backend_statuses()
        .into_iter()
        .filter(|s| !matches!(s.availability, Availability::NotLoadable { .. }))
        .map(|s| s.name)
        .find(|n| n != "ndarray" && n != "fixture" && ts::backend_version(n).is_ok())
        .unwrap_or_else(|| "ndarray".to_string());
    println!("the second backend: {other}");

    println!("\n1. The stack: the top runs creation ops; popping goes back");
    println!("  empty stack: {:?}", ts::backend_stack());
    ts::set_backend("ndarray")?;
    ts::set_backend(&other)?;
    println!("  after two pushes: {:?}", ts::backend_stack());
    let t = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    println!("  a tensor made now is on {}", t.backend());
    println!("  popped {}", ts::previous_backend()?);
    let u = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    println!("  and one made after the pop is on {}", u.backend());
    ts::unset_backend();

    println!("\n2. A scoped override, for this thread and this closure only");
    let inside = ts::with_backend(&other, || ts::zeros(&[2], ts::DType::Float32))??;
    println!("  made inside with_backend({other}): {}", inside.backend());
    println!("  the stack is still {:?}", ts::backend_stack());

    println!("\n3. Mixing backends without a set backend is an error, with the fix in it");
    let a = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    if other != "ndarray" {
        println!("  {}", ts::add(&a, &inside).unwrap_err());
    }
    println!(
        "  converted first, it runs: {:?}",
        ts::add(&ts::to_backend(&a, &other)?, &inside)?.to_vec::<f32>()?
    );

    println!("\n4. Dynamic tensors move with a converting switch");
    // Tensors are dynamic by default; this one opts out and stays where it is.
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    let pinned = dynamic::dynamic_backend_as(false, || Tensor::from_slice(&[9.0f32], &[1]))?;
    let y = x.clone(); // another handle to the same tensor
    println!(
        "  before: x on {}, pinned on {}; live dynamic tensors: {}",
        x.backend(),
        pinned.backend(),
        dynamic::live_dynamic_tensors()
    );
    let switched = dynamic::switch_backend(StackChange::Push(&other), Conversion::AllOrNothing)?;
    println!(
        "  set_backend_dynamic({other}): {} of {} live dynamic tensors converted",
        switched.converted, switched.live
    );
    println!(
        "  after: x on {}, its other handle y on {}, pinned still on {}",
        x.backend(),
        y.backend(),
        pinned.backend()
    );
    println!("  x * x = {:?}", ts::multiply(&x, &x)?.to_vec::<f32>()?);
    // Popping with conversion moves them back to what creation ops use after the pop.
    dynamic::previous_backend_dynamic()?;
    println!("  after previous_backend_dynamic(): x on {}", x.backend());
    Ok(())
}
