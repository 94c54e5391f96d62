/// Namespace marker for the RecdProtocol module; the module's types live in the other files of this folder.
public enum RecdProtocolModule {}
