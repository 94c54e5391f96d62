import Foundation

#if RECD_FUZZ
// Fuzz build (`make fuzz`): hand the process to libFuzzer's driver. SwiftPM links an
// executable's `main` to this module's top-level code (`--defsym main=recd_fuzz_main`),
// so libFuzzer's own `main` is never pulled in; calling LLVMFuzzerRunDriver (part of the
// same static runtime) gives the identical command line and behaviour.
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(llvmFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
#else
// Normal build: replay inputs. Each argument is a file (a corpus entry or a crash from
// fuzz-out/) run once through the harness, so a finding reproduces under a debugger or
// plain ASan without libFuzzer.
var ran = 0
for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("recd-fuzz: cannot read \(path)\n".utf8))
        exit(2)
    }
    [UInt8](data).withUnsafeBufferPointer { FuzzHarness.run($0) }
    ran += 1
}
print("recd-fuzz: ran \(ran) input(s) without a failure")
#endif
