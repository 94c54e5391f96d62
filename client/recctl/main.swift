print("recctl: not built yet")
