/// Namespace marker for the RecdRecommend module; the module's types live in the other files of this folder.
public enum RecdRecommendModule {}
