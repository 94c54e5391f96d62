import ArgumentParser
import RecdModel

/// recctl: the recd command-line tool. Each subcommand lives in its own file; add new ones to the list.
struct RecCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recctl",
        abstract: "Control and exercise recd: pack models, embed text locally, talk to the daemon.",
        subcommands: [
            ModelCommand.self,
            EmbedCommand.self,
        ])
}

// OpenBLAS misdetects this Xeon and would use generic kernels; see OpenBLASCoreType.
OpenBLASCoreType.reexecIfMisdetected()
// main.swift is top-level code, where `RecCtl.main()` resolves to ParsableCommand's synchronous
// entry (which never calls async `run()`); `AsyncMain` pins the async one.
await AsyncMain<RecCtl>.run()
