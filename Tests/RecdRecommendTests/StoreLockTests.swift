import Foundation
import Testing
@testable import RecdRecommend

@Suite struct StoreLockTests {
    private func directory() -> String {
        NSTemporaryDirectory() + "recd-storelock-\(UUID().uuidString.prefix(8))/store"
    }

    @Test func aSecondHolderIsRefusedWithTheDirectoryAndPid() throws {
        let dir = directory()
        let first = try StoreLock(directory: dir)
        // flock belongs to an open file description, so a second open in this process conflicts as
        // another process's would.
        do {
            _ = try StoreLock(directory: dir)
            Issue.record("a second lock on \(dir) was granted")
        } catch {
            #expect(error.message.contains(dir), "\(error)")
            #expect(error.message.contains("pid \(getpid())"), "\(error)")
            #expect(error.message.contains("--store"), "\(error)")
        }
        withExtendedLifetime(first) {}
    }

    @Test func theLockIsFreeOnceItsHolderIsGone() throws {
        let dir = directory()
        var first: StoreLock? = try StoreLock(directory: dir)
        #expect(first != nil)
        first = nil
        let second = try StoreLock(directory: dir)
        #expect(second.path == dir + "/recd.lock")
    }

    @Test func aDirectoryThatCannotBeMadeIsNamed() {
        let file = NSTemporaryDirectory() + "recd-storelock-file-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: file, contents: Data())
        do {
            _ = try StoreLock(directory: file + "/store")
            Issue.record("a store under a regular file was locked")
        } catch {
            #expect(error.message.contains(file + "/store"), "\(error)")
        }
    }
}
