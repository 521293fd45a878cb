{
  "targets": [
    {
      "target_name": "strowger_native",
      "sources": ["src/addon.c", "src/g711.c", "src/g722.c", "src/resampler.c"],
      "cflags": ["-O3", "-funroll-loops", "-Wall", "-Wextra", "-fno-math-errno"],
      "cflags!": ["-O2"],
      "cflags_c": ["-std=gnu11"],
      "libraries": ["-lm"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"]
    }
  ]
}
