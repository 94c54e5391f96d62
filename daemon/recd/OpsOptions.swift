import ArgumentParser
import Foundation
import Logging
import RecdServer

/// Operations flags: Prometheus metrics and configuration checking (see daemon/METRICS.md, CONFIG.md).
struct OpsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve Prometheus metrics over HTTP at GET /metrics on HOST:PORT (loopback only unless --metrics-allow-remote).",
                               valueName: "host:port"))
    var metricsListen: String?

    @Flag(help: "Allow --metrics-listen on a non-loopback address (metrics have no authentication).")
    var metricsAllowRemote = false

    @Flag(help: "Validate the configuration (--config and flags), print the effective settings as JSON and exit: 0 if valid, 2 if not.")
    var checkConfig = false

    /// The parsed metrics address, if any.
    func metricsAddress() throws(MetricsListenAddress.Error) -> MetricsListenAddress? {
        guard let metricsListen else { return nil }
        return try MetricsListenAddress(parsing: metricsListen, allowRemote: metricsAllowRemote)
    }
}

extension Recd {
    /// Problems `--check-config` reports beyond what loading the configuration found.
    func extraConfigProblems() -> [String] {
        var problems: [String] = []
        if let config, let unknown = try? ConfigFile.unknownKeys(atPath: config), !unknown.isEmpty {
            problems.append("config file \(config) has unknown option(s) \(unknown.joined(separator: ", ")); known options: \(ConfigFile.knownKeys.joined(separator: ", "))")
        }
        do { _ = try ops.metricsAddress() } catch { problems.append(error.description) }
        if let model, !FileManager.default.isReadableFile(atPath: model) {
            problems.append("--model \(model): no readable file there; pack one with `recctl model pack`")
        }
        return problems
    }

    /// `--check-config`: print the effective configuration (exit 0) or every problem found (exit 2).
    func runCheckConfig(loadError: String?, configuration: ServerConfiguration, engines: [String: String]) throws -> Never {
        let problems = (loadError.map { [$0] } ?? []) + extraConfigProblems()
        if problems.isEmpty {
            print(configuration.effectiveJSON(engines: engines))
            if let address = try? ops.metricsAddress() { print("metrics: http://\(address)/metrics") }
            throw ExitCode.success
        }
        for p in problems { FileHandle.standardError.write(Data("recd: config error: \(p)\n".utf8)) }
        throw ExitCode(2)
    }

    /// Starts the metrics endpoint if `--metrics-listen` asks for one.
    func startMetrics(daemon: RecdDaemon, logger: Logger) throws -> MetricsHTTPServer? {
        guard let address = try ops.metricsAddress() else { return nil }
        return try MetricsHTTPServer(address: address, logger: logger) { daemon.prometheusText() }
    }
}
