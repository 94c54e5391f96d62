/// Namespace marker for the RecdIntent module; the module's types live in the other files of this folder.
public enum RecdIntentModule {}
