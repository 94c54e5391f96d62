import Foundation
import Logging
import RecdServer

/// A RecdDaemon on a fresh temporary socket, for client tests.
struct InProcessDaemon {
    let daemon: RecdDaemon
    let path: String

    init(encoderDelay: Duration = .zero, engines: Engines? = nil,
         configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var conf = ServerConfiguration()
        conf.socketPath = NSTemporaryDirectory() + "recd-client-test-\(UUID().uuidString.prefix(8)).sock"
        conf.workers = 1
        configure(&conf)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        daemon = RecdDaemon(configuration: conf,
                            engines: engines ?? Engines(encoder: HashingEncoder(dimension: 8, delay: encoderDelay)),
                            logger: logger)
        path = conf.socketPath
        try daemon.start()
    }

    func stop() async {
        await daemon.stopAndWait()
    }
}
