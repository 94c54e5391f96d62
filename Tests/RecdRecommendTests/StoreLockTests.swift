import Foundation
import Testing
import RecdRecommend

@Suite struct StoreLockTests {
    /// A store directory (not created yet) under a fresh temporary folder, and that folder for cleaning up.
    private func directory() -> (store: String, parent: String) {
        let parent = NSTemporaryDirectory() + "recd-storelock-\(UUID().uuidString.prefix(8))"
        return (parent + "/store", parent)
    }

    @Test func aSecondHolderIsRefusedWithTheDirectoryAndPid() throws {
        let (dir, parent) = directory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
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
        let (dir, parent) = directory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        var first: StoreLock? = try StoreLock(directory: dir)
        #expect(first != nil)
        first = nil
        let second = try StoreLock(directory: dir)
        #expect(second.path == dir + "/recd.lock")
    }

    @Test func aDirectoryThatCannotBeMadeIsNamed() {
        let file = NSTemporaryDirectory() + "recd-storelock-file-\(UUID().uuidString.prefix(8))"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try StoreLock(directory: file + "/store")
            Issue.record("a store under a regular file was locked")
        } catch {
            #expect(error.message.contains(file + "/store"), "\(error)")
        }
    }
}
