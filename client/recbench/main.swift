import ArgumentParser
import RecdModel

/// recbench: benchmarks for recd. Each subcommand lives in its own file; add new ones to the list.
struct RecBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recbench",
        abstract: "Benchmark recd's encoder in process, or the daemon over its socket.",
        subcommands: [
            EncodeCommand.self,
            LoadCommand.self,
            EvalIntentCommand.self,
            EvalRecCommand.self,
            StallsCommand.self,
            OverheadCommand.self,
        ])
}

// OpenBLAS misdetects this Xeon and would use generic kernels; see OpenBLASCoreType.
OpenBLASCoreType.reexecIfMisdetected()
// main.swift is top-level code, where `RecBench.main()` resolves to ParsableCommand's synchronous
// entry (which never calls async `run()`); `AsyncMain` pins the async one.
await AsyncMain<RecBench>.run()
