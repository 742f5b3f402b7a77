//! Checks on hand-derived values, beside the NumPy cases: each is a function taking the
//! backend's name, and `suite!` expands one `#[test]` per check for the backend.

#![allow(missing_docs)]

pub mod batch2;
pub mod indexing;
pub mod issue12_manip;
pub mod linalg_ext;
pub mod nn_edges;
pub mod predicates;
pub mod random;
pub mod trace;

/// Expands, per module of checks, a module of `#[test]`s named after the checks.
#[doc(hidden)]
#[macro_export]
macro_rules! __checks {
    ($backend:expr) => {
        $crate::__checks!(@module $backend, predicates,
            the_new_ops_are_primaries,
            float_predicates,
            integer_predicates,
            trunc_rounds_towards_zero_keeping_the_sign_of_zero,
            positive_is_the_identity,
            all_and_any_over_axes,
            all_and_any_of_no_elements,
            non_bool_inputs_count_non_zero_and_nan_as_true,
        );
        $crate::__checks!(@module $backend, batch2,
            the_new_ops_are_primaries,
            bitwise_on_int8,
            bitwise_on_uint8,
            bitwise_on_int32_broadcasts,
            bitwise_on_bool_is_logical,
            bitwise_promotes_and_refuses_floats,
            count_nonzero_over_axes,
            count_nonzero_of_empty_and_floats,
            zeros_like_and_ones_like,
            moveaxis_permutes,
        );
        $crate::__checks!(@module $backend, issue12_manip,
            primaries_and_fallbacks,
            copysign_reads_and_writes_the_sign_of_nan,
            integer_division_is_floored_and_pinned,
            float_division_follows_numpy,
            roll_tile_repeat_by_hand,
            broadcast_arrays_as_numpy,
            meshgrid_as_numpy,
            unstack_as_numpy,
        );
        $crate::__checks!(@module $backend, indexing,
            index_expressions,
            index_expressions_on_fallbacks,
            unique_functions,
            unique_functions_on_fallbacks,
            nonzero_splits_the_coordinates,
            random_indices_round_trip,
            random_indices_round_trip_on_fallbacks,
        );
        $crate::__checks!(@module $backend, nn_edges,
            conv2d_of_a_zero_spatial_input_is_zeros,
            dilation_along_a_kernel_of_extent_one_is_unused,
            pools_refuse_a_zero_spatial_input,
        );
        $crate::__checks!(@module $backend, linalg_ext,
            decompositions_multiply_back,
            rank_deficient_svd_still_has_orthogonal_factors,
            empty_matrices,
            nan_inputs_end,
            bad_matrices_are_errors_of_the_op_called,
        );
        $crate::__checks!(@module $backend, trace,
            traced_graphs_run_as_eager,
            traced_graphs_run_as_eager_on_fallbacks,
            graphs_traced_on_ndarray_replay_here,
            foreign_tensors_are_refused_while_tracing,
            graphs_round_trip_through_json,
        );
        $crate::__checks!(@module $backend, random,
            normal_is_bit_identical_for_every_float_dtype,
            uniform_is_bit_identical_for_every_float_dtype,
            integers_are_bit_identical_for_every_integer_dtype,
            bernoulli_and_permutation_are_bit_identical,
        );
    };
    (@module $backend:expr, $module:ident, $($check:ident,)*) => {
        mod $module {
            $(
                #[test]
                fn $check() {
                    $crate::checks::$module::$check($backend);
                }
            )*
        }
    };
}
