print("recd: not built yet")
