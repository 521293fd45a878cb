{
  "targets": [
    {
      "target_name": "strowger_native",
      "sources": ["src/addon.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
