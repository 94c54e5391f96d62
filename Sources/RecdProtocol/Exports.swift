// Users of the message types need SwiftProtobuf's Message API (serializedBytes(),
// init(serializedBytes:)); re-export it so they need not declare the dependency.
@_exported import SwiftProtobuf
