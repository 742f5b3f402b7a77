// Emitted by tensorswitch-transpile for ndarray from a graph traced on ndarray.
// input 0: float32[8,16]
// constant wk: float32[16,16]
// constant wv: float32[16,16]
// output 0: float32[8,16]
/// The traced graph as ndarray code: inputs and results as `ndarray::ArrayD`, an error when an argument's shape differs from the traced one (11 nodes).
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
pub fn attention_embedded(
    x: &ndarray::ArrayD<f32>,
) -> Result<ndarray::ArrayD<f32>, ndarray::ShapeError> {
    check(x, &[8, 16])?;
    let wk: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[16, 16]),
        vec![
            - 0.22532064f32, 0.18168369f32, 0.08172591f32, - 0.26597264f32,
            0.07907347f32, 0.23566155f32, 0.13741049f32, - 0.030808331f32, -
            0.062298425f32, 0.25086182f32, 0.23139216f32, - 0.1543834f32, -
            0.032688644f32, - 0.24081346f32, 0.080022186f32, - 0.15383226f32,
            0.0057412195f32, 0.08072534f32, 0.2957979f32, - 0.0016022593f32,
            0.27490395f32, 0.14618878f32, - 0.21622647f32, 0.2666229f32, 0.0021688046f32,
            0.11531346f32, 0.115252756f32, 0.11146989f32, - 0.17082869f32, -
            0.063536435f32, - 0.12563764f32, - 0.05177795f32, 0.22262165f32, -
            0.111894704f32, - 0.1829669f32, 0.078560084f32, 0.115914375f32, -
            0.16118263f32, - 0.25656453f32, - 0.21040186f32, - 0.19488245f32, -
            0.17685573f32, 0.21554853f32, - 0.004714578f32, - 0.1763822f32, -
            0.18711159f32, - 0.18027876f32, 0.29332387f32, - 0.06643954f32, -
            0.09879692f32, - 0.1653663f32, 0.09006093f32, - 0.19821396f32,
            0.050230328f32, - 0.03006832f32, - 0.12543392f32, 0.28042915f32,
            0.083962776f32, 0.12729895f32, 0.28779188f32, - 0.2853241f32, 0.23726518f32,
            0.29662126f32, 0.20809971f32, - 0.09437804f32, 0.2533514f32, 0.24060586f32,
            0.076825246f32, 0.081692696f32, 0.1360438f32, - 0.19046804f32, -
            0.11894001f32, - 0.2772885f32, 0.02324856f32, 0.20979671f32, - 0.26478988f32,
            0.08397108f32, - 0.08521702f32, 0.21127151f32, 0.23936054f32, -
            0.21252438f32, 0.217066f32, 0.24479064f32, - 0.2298237f32, 0.06495553f32,
            0.26243278f32, - 0.027855044f32, 0.12336334f32, - 0.019519702f32, -
            0.18324673f32, - 0.01482556f32, 0.1532482f32, 0.15446904f32, 0.100364f32, -
            0.09558566f32, 0.2949608f32, - 0.033391986f32, 0.019050373f32, -
            0.28275064f32, - 0.16519439f32, 0.08920654f32, 0.0035394223f32, 0.2045805f32,
            0.28242484f32, 0.055472065f32, 0.010979996f32, - 0.26385775f32, -
            0.12081492f32, 0.083527125f32, 0.26516554f32, 0.04230288f32, - 0.13504328f32,
            0.074964695f32, 0.22810066f32, 0.12847677f32, - 0.15461339f32, 0.23937708f32,
            - 0.2472782f32, - 0.29071584f32, 0.25429475f32, 0.18285406f32, 0.29629788f32,
            0.29403627f32, 0.28897104f32, 0.26591745f32, 0.27823037f32, - 0.16310461f32,
            0.06763894f32, - 0.13085371f32, 0.16677181f32, - 0.22729303f32, -
            0.05722713f32, 0.12529357f32, - 0.14209688f32, - 0.08855052f32,
            0.12312362f32, 0.25000465f32, - 0.08519093f32, - 0.27578115f32, 0.1207458f32,
            0.032808654f32, - 0.03250914f32, - 0.06993303f32, 0.11900397f32, -
            0.03874483f32, 0.15643077f32, 0.21731564f32, - 0.23544733f32, 0.19601196f32,
            - 0.18384647f32, - 0.1321419f32, 0.13983975f32, 0.22176452f32, -
            0.19928826f32, - 0.25846162f32, - 0.069206856f32, 0.23061089f32,
            0.060213685f32, 0.16545688f32, - 0.17881228f32, - 0.081150346f32,
            0.048421826f32, 0.167369f32, 0.028329197f32, 0.25622812f32, - 0.0880779f32,
            0.10287594f32, 0.2199452f32, - 0.005173677f32, - 0.0311893f32, -
            0.2740138f32, 0.07583403f32, 0.16831698f32, - 0.20011474f32, - 0.21740775f32,
            - 0.14076905f32, 0.00037108397f32, 0.1894774f32, - 0.15920354f32,
            0.2110648f32, 0.07870633f32, 0.15175194f32, - 0.045997247f32, -
            0.28465107f32, - 0.2135441f32, - 0.07953006f32, - 0.12868291f32, -
            0.12799816f32, 0.17886831f32, 0.117235124f32, - 0.035955977f32, -
            0.24361022f32, - 0.054905906f32, 0.10153792f32, 0.20362371f32, -
            0.24028702f32, 0.29108068f32, - 0.22086173f32, - 0.24361588f32, -
            0.19101302f32, - 0.23153946f32, - 0.037998054f32, - 0.20207179f32,
            0.09450789f32, - 0.029898267f32, 0.08859458f32, - 0.23035175f32, -
            0.049319997f32, 0.08013431f32, 0.20457906f32, 0.105906874f32, -
            0.12953326f32, 0.24072425f32, - 0.09561381f32, - 0.06318047f32,
            0.22976671f32, 0.13499448f32, - 0.22725546f32, - 0.01535133f32,
            0.08309836f32, 0.2700577f32, - 0.1512062f32, - 0.0036967956f32, -
            0.009161369f32, - 0.20948401f32, - 0.0067927623f32, 0.18599704f32, -
            0.15714799f32, 0.26334798f32, - 0.297663f32, 0.06285748f32, - 0.2642995f32,
            0.27747327f32, 0.17200091f32, 0.111226894f32, 0.20011185f32, 0.22632055f32,
            0.17142083f32, - 0.057905503f32, 0.058480546f32, 0.2039989f32, 0.29746926f32,
            0.057017416f32, 0.20156868f32, - 0.21054126f32, - 0.15950654f32, -
            0.08083737f32, - 0.2094805f32, 0.07877479f32, - 0.032771852f32, 0.2496685f32,
            0.02944363f32, - 0.2436767f32, - 0.18256445f32, 0.030251464f32, 0.19897203f32
        ],
    )?;
    let wv: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[16, 16]),
        vec![
            0.2457936f32, 0.23017903f32, - 0.09395758f32, 0.16899031f32, - 0.15153834f32,
            0.02804381f32, - 0.11507874f32, - 0.23882f32, 0.17422733f32, 0.20340115f32, -
            0.035053283f32, - 0.14215706f32, 0.08998448f32, 0.13336997f32, -
            0.03218737f32, - 0.124654435f32, - 0.1503247f32, - 0.07807127f32,
            0.19850059f32, - 0.22380745f32, 0.26223356f32, - 0.02903541f32, -
            0.019411385f32, 0.08420562f32, - 0.16564824f32, 0.14924303f32, 0.0448905f32,
            - 0.22856252f32, - 0.14859247f32, 0.061522823f32, - 0.1260716f32, -
            0.24750958f32, 0.050044674f32, 0.1789253f32, 0.27016234f32, - 0.07531288f32,
            - 0.0853689f32, 0.1086769f32, 0.008925992f32, 0.1311243f32, - 0.100200556f32,
            0.1298421f32, 0.24985674f32, 0.0030260356f32, - 0.29929072f32, -
            0.16186097f32, 0.259536f32, 0.19341135f32, - 0.01162582f32, 0.05278757f32, -
            0.19472976f32, - 0.12644376f32, - 0.120747864f32, 0.08145887f32,
            0.112233326f32, 0.24282433f32, - 0.008104208f32, - 0.096828885f32, -
            0.044476442f32, 0.23235142f32, 0.29929125f32, - 0.19834173f32,
            0.099188864f32, - 0.19516614f32, 0.057958357f32, - 0.29560384f32, -
            0.29914653f32, - 0.095918335f32, - 0.18668047f32, - 0.02091386f32, -
            0.04243328f32, - 0.28490487f32, 0.1705301f32, 0.09975089f32, - 0.01630961f32,
            0.0889721f32, 0.07695353f32, 0.04951186f32, - 0.030617326f32, 0.1105368f32, -
            0.2453201f32, 0.14390655f32, - 0.04985045f32, 0.2859456f32, - 0.27395868f32,
            - 0.18760581f32, - 0.20722471f32, - 0.15354866f32, - 0.25528052f32,
            0.15593217f32, - 0.1725164f32, 0.20698228f32, 0.19534202f32, 0.2789847f32,
            0.19982524f32, - 0.17100452f32, - 0.22931582f32, - 0.2972911f32, -
            0.23326817f32, - 0.2599652f32, 0.1405854f32, 0.21542594f32, 0.27323118f32,
            0.23543268f32, 0.07654071f32, - 0.08035119f32, - 0.06465012f32,
            0.13008304f32, 0.030324053f32, - 0.26521203f32, 0.15778711f32, -
            0.21991101f32, 0.17497672f32, 0.17215516f32, - 0.04619687f32, -
            0.19179308f32, - 0.008344055f32, - 0.16658968f32, - 0.19175176f32, -
            0.26504505f32, - 0.1178488f32, 0.19514717f32, - 0.026573872f32,
            0.14282174f32, - 0.20349076f32, - 0.22856396f32, 0.23773734f32, -
            0.22102147f32, - 0.1611016f32, - 0.028066622f32, 0.06774706f32,
            0.071795754f32, 0.068159685f32, - 0.003156347f32, 0.22962868f32,
            0.2536191f32, 0.17710148f32, - 0.042770438f32, 0.007023346f32, -
            0.03917334f32, - 0.16380066f32, 0.18625738f32, 0.06935276f32, 0.13054396f32,
            - 0.22362007f32, 0.016396837f32, 0.28636494f32, - 0.12583016f32, -
            0.065118276f32, 0.28914458f32, - 0.12724052f32, - 0.2318671f32,
            0.13803087f32, - 0.2895736f32, 0.2286169f32, - 0.017457018f32, -
            0.0078021176f32, - 0.05858878f32, 0.16138968f32, - 0.0112795085f32, -
            0.28327596f32, - 0.00005706305f32, 0.23402363f32, 0.11435822f32, -
            0.11271446f32, - 0.2921266f32, 0.084952824f32, 0.21604289f32, 0.025884008f32,
            0.08070155f32, - 0.26341757f32, 0.29255378f32, - 0.05735404f32, -
            0.17437251f32, - 0.004744787f32, 0.091631874f32, - 0.12722948f32, -
            0.035597056f32, 0.07968282f32, - 0.21040405f32, 0.024506506f32, -
            0.0873354f32, - 0.22867945f32, - 0.2912538f32, 0.06763904f32, 0.2302656f32, -
            0.18401024f32, 0.057656426f32, 0.17486873f32, - 0.25477707f32, -
            0.28637445f32, 0.1596486f32, 0.12097782f32, 0.15617168f32, 0.16659789f32, -
            0.013777331f32, 0.11869972f32, - 0.1341541f32, 0.113538176f32, -
            0.18288797f32, 0.07521647f32, - 0.071136765f32, - 0.25779167f32, -
            0.14301886f32, 0.12465764f32, - 0.19131109f32, 0.24598186f32, - 0.2390968f32,
            0.16326642f32, 0.103954636f32, - 0.14476879f32, - 0.25942782f32,
            0.08617467f32, - 0.0011947341f32, 0.17100589f32, 0.2538067f32, -
            0.12054319f32, - 0.2498816f32, - 0.014608089f32, 0.14851676f32,
            0.10190394f32, 0.24266216f32, - 0.14836498f32, - 0.11204414f32,
            0.07571727f32, - 0.05430177f32, 0.2823639f32, - 0.18096553f32, -
            0.060600746f32, 0.030459527f32, - 0.20856448f32, - 0.07214351f32, -
            0.2696148f32, - 0.24713889f32, 0.01846918f32, 0.19972831f32, - 0.15298969f32,
            0.014438686f32, - 0.06620844f32, 0.057310097f32, 0.09482642f32, -
            0.21224168f32, - 0.186785f32, 0.03915616f32, - 0.22439612f32, -
            0.15850306f32, - 0.20873593f32, 0.1725912f32, 0.018422611f32, -
            0.09360196f32, - 0.061418407f32, - 0.07574978f32, 0.023589713f32,
            0.03768706f32, - 0.07457915f32, - 0.13480547f32
        ],
    )?;
    let v3: ndarray::ArrayD<f32> = matmul(x, &wk, &[8, 16])?;
    let v4: ndarray::ArrayD<f32> = matmul(x, &wv, &[8, 16])?;
    let v5: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![0.25f32],
    )?;
    let v6: ndarray::ArrayD<f32> = {
        let mut w = v3.view();
        w.swap_axes(0, 1);
        w.to_owned()
    };
    let v7: ndarray::ArrayD<f32> = matmul(x, &v6, &[8, 8])?;
    let v8: ndarray::ArrayD<f32> = {
        let mut o = v7;
        o.zip_mut_with(
            &v5,
            |x: &mut f32, &y: &f32| {
                let x0 = *x;
                *x = {
                    let x = x0;
                    x * y
                };
            },
        );
        o
    };
    let v9: ndarray::ArrayD<bool> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[8, 8]),
        vec![
            true, false, false, false, false, false, false, false, true, true, false,
            false, false, false, false, false, true, true, true, false, false, false,
            false, false, true, true, true, true, false, false, false, false, true, true,
            true, true, true, false, false, false, true, true, true, true, true, true,
            false, false, true, true, true, true, true, true, true, false, true, true,
            true, true, true, true, true, true
        ],
    )?;
    let v10: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![- 1000000000f32],
    )?;
    let v11: ndarray::ArrayD<f32> = zip3(
        &v9,
        &v8,
        &v10,
        &[8, 8],
        |c: bool, x: f32, y: f32| if c { x } else { y },
    )?;
    let v12: ndarray::ArrayD<f32> = softmax(v11, 1, |x: f32| x.exp());
    let v13: ndarray::ArrayD<f32> = matmul(&v12, &v4, &[8, 16])?;
    Ok(v13)
}
/// An error unless the array has the traced shape.
fn check<T>(a: &ndarray::ArrayD<T>, shape: &[usize]) -> Result<(), ndarray::ShapeError> {
    if a.shape() == shape {
        Ok(())
    } else {
        Err(ndarray::ShapeError::from_kind(ndarray::ErrorKind::IncompatibleShape))
    }
}
/// The array broadcast to `shape`.
fn bcast<'a, T>(
    a: &'a ndarray::ArrayD<T>,
    shape: &[usize],
) -> Result<ndarray::ArrayViewD<'a, T>, ndarray::ShapeError> {
    a.broadcast(ndarray::IxDyn(shape))
        .ok_or_else(|| ndarray::ShapeError::from_kind(
            ndarray::ErrorKind::IncompatibleShape,
        ))
}
/// `f` applied to the elements of `a`, `b` and `c` broadcast to `shape`.
fn zip3<A: Copy, B: Copy, C: Copy, D>(
    a: &ndarray::ArrayD<A>,
    b: &ndarray::ArrayD<B>,
    c: &ndarray::ArrayD<C>,
    shape: &[usize],
    f: impl Fn(A, B, C) -> D,
) -> Result<ndarray::ArrayD<D>, ndarray::ShapeError> {
    Ok(
        ndarray::Zip::from(&bcast(a, shape)?)
            .and(&bcast(b, shape)?)
            .and(&bcast(c, shape)?)
            .map_collect(|&x, &y, &z| f(x, y, z)),
    )
}
/// Pairwise summation (blocks of 128 summed with eight accumulators, halves added
/// recursively), as NumPy and tensorswitch's ndarray backend sum floats.
fn pairwise_sum<T: Copy + Default + std::ops::Add<Output = T>>(s: &[T]) -> T {
    if s.len() < 8 {
        s.iter().copied().reduce(|a, b| a + b).unwrap_or_default()
    } else if s.len() <= 128 {
        let mut r = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
        let mut chunks = s[8..].chunks_exact(8);
        for c in &mut chunks {
            for (acc, &x) in r.iter_mut().zip(c) {
                *acc = *acc + x;
            }
        }
        let mut total = ((r[0] + r[1]) + (r[2] + r[3]))
            + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in chunks.remainder() {
            total = total + x;
        }
        total
    } else {
        let half = s.len() / 2;
        let half = half - half % 8;
        pairwise_sum(&s[..half]) + pairwise_sum(&s[half..])
    }
}
/// The maximum (or minimum) of a non-empty lane; the first NaN if there is one.
fn extremum<T: Copy + PartialOrd>(lane: &[T], largest: bool) -> T {
    let nan = |v: T| v.partial_cmp(&v).is_none();
    let mut best = lane[0];
    for &x in &lane[1..] {
        if nan(best) {
            break;
        }
        let better = if largest { x > best } else { x < best };
        if better || nan(x) {
            best = x;
        }
    }
    best
}
/// `exp(x - max) / sum(exp(x - max))` along `axis`, lane by lane, in place.
fn softmax<T>(
    a: ndarray::ArrayD<T>,
    axis: usize,
    exp: impl Fn(T) -> T,
) -> ndarray::ArrayD<T>
where
    T: Copy + Default + PartialOrd + std::ops::Add<Output = T>
        + std::ops::Sub<Output = T> + std::ops::Div<Output = T>,
{
    let mut out = a;
    if out.shape()[axis] == 0 {
        return out;
    }
    let mut scratch: Vec<T> = Vec::new();
    for mut lane in out.lanes_mut(ndarray::Axis(axis)) {
        let update = |l: &mut [T]| {
            let m = extremum(l, true);
            for v in l.iter_mut() {
                *v = exp(*v - m);
            }
            let s = pairwise_sum(l) + T::default();
            for v in l.iter_mut() {
                *v = *v / s;
            }
        };
        match lane.as_slice_mut() {
            Some(l) => update(l),
            None => {
                scratch.clear();
                scratch.extend(lane.iter().copied());
                update(&mut scratch);
                for (o, &v) in lane.iter_mut().zip(&scratch) {
                    *o = v;
                }
            }
        }
    }
    out
}
/// The matrix product of two matrices or vectors (a vector is a row on the left, a
/// column on the right), shaped `out`.
fn matmul<T: ndarray::LinalgScalar>(
    a: &ndarray::ArrayD<T>,
    b: &ndarray::ArrayD<T>,
    out: &[usize],
) -> Result<ndarray::ArrayD<T>, ndarray::ShapeError> {
    let a = if a.ndim() == 1 {
        a.view().insert_axis(ndarray::Axis(0))
    } else {
        a.view()
    };
    let b = if b.ndim() == 1 {
        b.view().insert_axis(ndarray::Axis(1))
    } else {
        b.view()
    };
    let p = a
        .into_dimensionality::<ndarray::Ix2>()?
        .dot(&b.into_dimensionality::<ndarray::Ix2>()?);
    p.into_dyn().into_shape_with_order(ndarray::IxDyn(out))
}
