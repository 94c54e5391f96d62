import ArgumentParser

/// Calls `AsyncParsableCommand.main()` (the async entry) for `Command`; see main.swift for why.
enum AsyncMain<Command: AsyncParsableCommand> {
    static func run() async {
        await Command.main()
    }
}
