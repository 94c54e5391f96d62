#!/usr/bin/env bash
# Regenerates Sources/RecdProtocol/Generated/ from protocol/recd.proto.
# Needs protoc (apt: protobuf-compiler) and protoc-gen-swift built from the same
# swift-protobuf version Package.swift resolves. PROTOC_GEN_SWIFT overrides where
# the plugin is; by default it is built from the resolved checkout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
plugin="${PROTOC_GEN_SWIFT:-}"
if [[ -z "$plugin" ]]; then
  swift build -c release --product protoc-gen-swift --package-path .build/checkouts/swift-protobuf >&2
  plugin="$root/.build/checkouts/swift-protobuf/.build/release/protoc-gen-swift"
fi
out="Sources/RecdProtocol/Generated"
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath \
  --proto_path=protocol --swift_out="$out" protocol/recd.proto
echo "generated $out/recd.pb.swift" >&2
