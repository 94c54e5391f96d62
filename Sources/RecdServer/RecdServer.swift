/// Namespace marker for the RecdServer module; the module's types live in the other files of this folder.
public enum RecdServerModule {}
