;; configs/appliance/agents/ponger.wat: an agent written by hand in WebAssembly text
;; (assembled with wat2wasm). It answers pings on its CommEdge: wait for a message (no
;; fuel, no turns until the doorbell), add 1 to word 1, put how many it has served in
;; word 2, send it back. A full ring makes it yield and retry.
(module
  (import "rvm" "log" (func $log (param i32 i32) (result i32)))
  (import "rvm" "cap" (func $cap (param i32 i32) (result i64)))
  (import "rvm" "send" (func $send (param i64 i32 i32) (result i32)))
  (import "rvm" "recv" (func $recv (param i64 i32 i32 i32) (result i32)))
  (import "rvm" "yield" (func $yield))
  (memory 1)
  (data (i32.const 64) "ponger (WAT): answering pings on its CommEdge\n")
  (global $served (mut i64) (i64.const 0))

  (func (export "run")
    (local $edge i64)
    (local $status i32)
    ;; the first CommEdge capability it holds (object type 3)
    (local.set $edge (call $cap (i32.const 3) (i32.const 0)))
    (drop (call $log (i32.const 64) (i32.const 46)))
    (loop $serve
      ;; the ping lands in bytes 0..63; flags 1 = wait for it
      (if (i32.eq (call $recv (local.get $edge) (i32.const 0) (i32.const 64) (i32.const 1))
                  (i32.const 64))
        (then
          (global.set $served (i64.add (global.get $served) (i64.const 1)))
          (i64.store offset=8 (i32.const 0)
            (i64.add (i64.load offset=8 (i32.const 0)) (i64.const 1)))
          (i64.store offset=16 (i32.const 0) (global.get $served))
          (block $sent
            (loop $retry
              (local.set $status (call $send (local.get $edge) (i32.const 0) (i32.const 64)))
              ;; -13 (NO_SPACE): the ring is full, let the pinger drain it
              (br_if $sent (i32.ne (local.get $status) (i32.const -13)))
              (call $yield)
              (br $retry))))
        (else
          ;; a refusal (the edge is gone): do not spin, give the turn away
          (call $yield)))
      (br $serve)))
)
