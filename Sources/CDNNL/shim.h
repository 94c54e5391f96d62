// The only place recd includes oneDNN: its int8 GEMM (dnnl_gemm_u8s8s32, VNNI kernels).
#include <oneapi/dnnl/dnnl.h>
