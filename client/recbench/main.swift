print("recbench: not built yet")
