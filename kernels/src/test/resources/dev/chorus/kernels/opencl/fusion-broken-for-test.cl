// Does not compile on purpose: OpenClLogitFusionTest checks that the build log reaches the exception.
__kernel void k_broken(__global int* out) {
    out[0] = an_undeclared_name;
}
