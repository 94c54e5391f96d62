/// Namespace marker for the RecdModel module; the module's types live in the other files of this folder.
public enum RecdModelModule {}
