import Foundation
@testable import RecdServer
import Testing

@Suite struct PeerAccessUnitTests {
    @Test func defaultAllowsOwnUidAndRootOnly() {
        let access = PeerAccess.ownerAndRoot
        #expect(access.allows(uid: UInt32(getuid())))
        #expect(access.allows(uid: 0))
        #expect(!access.allows(uid: 4242) || getuid() == 4242)
        #expect(ServerConfiguration().peerAccess == access)
    }

    @Test func configFileAllowUidsReplacesTheDefault() throws {
        let file = try JSONDecoder().decode(ConfigFile.self, from: Data(#"{"allow_uids": [1000, 1001]}"#.utf8))
        var conf = ServerConfiguration()
        try file.apply(to: &conf)
        #expect(conf.peerAccess.allowedUIDs == [1000, 1001])
        #expect(!conf.peerAccess.allows(uid: 0))
        #expect(conf.peerAccess.listDescription == "1000, 1001")
    }
}

@Suite struct PeerCredentialsLayoutTests {
    @Test func matchesLinuxStructUcred() {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: 12 bytes, 4-byte aligned.
        #expect(MemoryLayout<PeerCredentials>.size == 12)
        #expect(MemoryLayout<PeerCredentials>.offset(of: \PeerCredentials.uid) == 4)
        #expect(MemoryLayout<PeerCredentials>.offset(of: \PeerCredentials.gid) == 8)
    }
}
