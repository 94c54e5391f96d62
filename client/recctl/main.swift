import ArgumentParser

/// recctl: talk to a running recd, and (model commands) work on the model files.
struct RecCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recctl",
        abstract: "Control and query the recd daemon.",
        subcommands: [
            PingCommand.self, IntentCommand.self, RecommendCommand.self, FeedbackCommand.self,
            ItemsCommand.self, SimilarCommand.self, StatsCommand.self, IntentsCommand.self,
            EmbedRemote.self,
        ])
}

// Top-level code would pick ParsableCommand's synchronous main(), which refuses async
// commands; an async function picks AsyncParsableCommand's.
func runRoot() async { await RecCtl.main() }
await runRoot()
