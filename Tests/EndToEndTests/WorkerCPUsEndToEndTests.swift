import Foundation
import RecdModel
import Testing

/// `worker_cpus` in a running recd: the model worker on its CPU, every other thread of the process on
/// the CPUs left over; a CPU recd may not use stops it at start with the CPU named.
@Suite struct WorkerCPUsEndToEndTests {
    func config(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "recd-cpus-\(UUID().uuidString.prefix(8)).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every thread of process `pid`: its name and the CPUs it may run on.
    func threads(of pid: Int32) throws -> [(name: String, cpus: [Int])] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap { tid in
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8),
                  let id = Int32(tid) else { return nil }
            return (comm.trimmingCharacters(in: .whitespacesAndNewlines), ThreadAffinity.cpus(ofThread: id))
        }
    }

    @Test(.enabled(if: ThreadAffinity.cpus().count >= 2, "needs two CPUs"))
    func theWorkerHasItsCPUAndEveryOtherThreadTheRest() throws {
        let allowed = ThreadAffinity.cpus()
        let workerCPU = allowed.last!
        let rest = allowed.filter { $0 != workerCPU }
        let path = try config("{\"workers\": 1, \"worker_cpus\": [\(workerCPU)]}")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let d = try DaemonProcess(["--config", path])
        defer { d.terminate() }
        let all = try threads(of: d.process.processIdentifier)
        let workers = all.filter { $0.name == "recd-worker-0" }
        #expect(workers.count == 1 && workers[0].cpus == [workerCPU], "found \(all)")
        let others = all.filter { $0.name != "recd-worker-0" }
        #expect(others.contains { $0.name.hasPrefix("NIO-ELT") } && others.contains { $0.name == "recd-rank-0" })
        for t in others { #expect(t.cpus == rest, "\(t.name) may run on \(t.cpus), expected \(rest)") }
    }

    @Test func aCPURecdMayNotUseStopsItAtStart() async throws {
        let path = try config(#"{"worker_cpus": [100000]}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = #expect(throws: E2EError.self) { _ = try DaemonProcess(["--config", path]) }
        #expect(e?.description.contains("worker_cpus: CPU 100000 is not one recd may run on") == true, "\(e?.description ?? "")")
    }
}
