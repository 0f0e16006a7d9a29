// placeholder, replaced below
print("json-bench")
