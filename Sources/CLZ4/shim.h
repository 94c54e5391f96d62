// The only place recd includes LZ4 (block format, HC compressor for packing).
#include <lz4.h>
#include <lz4hc.h>
