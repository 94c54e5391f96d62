/// Namespace marker for the RecdClient module; the module's types live in the other files of this folder.
public enum RecdClientModule {}
