import ArgumentParser

/// recbench: benchmarks for recd. Each subcommand lives in its own file; add new ones to the list.
struct RecBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recbench",
        abstract: "Benchmark recd's encoder in process, or the daemon over its socket.",
        subcommands: [
            LoadCommand.self,
        ])
}

// Top-level code would pick ParsableCommand's synchronous main(), which refuses async
// commands; from an async function AsyncParsableCommand's main() is chosen.
func runRoot() async { await RecBench.main() }
await runRoot()
