#if RECD_FUZZ
/// libFuzzer's entry point; compiled only by `make fuzz` (-D RECD_FUZZ -sanitize=fuzzer),
/// where libFuzzer supplies the process's `main`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
#endif
