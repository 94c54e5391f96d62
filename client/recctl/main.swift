import ArgumentParser
import RecdModel

/// recctl: the recd command-line tool. Each subcommand lives in its own file; add new ones to the list.
struct RecCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recctl",
        abstract: "Control and query the recd daemon; pack models and embed text locally.",
        subcommands: [
            PingCommand.self, EmbedCommand.self, IntentCommand.self, RecommendCommand.self,
            FeedbackCommand.self, ItemsCommand.self, SimilarCommand.self, StatsCommand.self,
            IntentsCommand.self, ModelCommand.self, EmbedRemote.self,
        ])
}

// OpenBLAS misdetects this Xeon and would use generic kernels; see OpenBLASCoreType.
OpenBLASCoreType.reexecIfMisdetected()
// main.swift is top-level code, where `RecCtl.main()` resolves to ParsableCommand's synchronous
// entry (which never calls async `run()`); `AsyncMain` pins the async one.
await AsyncMain<RecCtl>.run()
