#!/usr/bin/env bash
# Regenerates Sources/NavarchProto from proto/navarch/v1/*.proto. The output is committed;
# builds never run this. Needs protoc (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null; then
  apt-get update -qq && apt-get install -y -qq protobuf-compiler
fi
swift build --product protoc-gen-swift
swift build --product protoc-gen-grpc-swift-2
BIN=$(swift build --show-bin-path)

rm -f Sources/NavarchProto/*.pb.swift Sources/NavarchProto/*.grpc.swift
protoc --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" -I proto \
  --swift_out=Sources/NavarchProto --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath \
  --grpc-swift-2_out=Sources/NavarchProto --grpc-swift-2_opt=Visibility=Public --grpc-swift-2_opt=FileNaming=DropPath \
  proto/navarch/v1/*.proto
echo "generated: $(ls Sources/NavarchProto/*.pb.swift Sources/NavarchProto/*.grpc.swift | tr '\n' ' ')"
