print("bench-site")
