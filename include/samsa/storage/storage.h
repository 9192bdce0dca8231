// samsa's storage module: Kafka-layout partition logs on local disk.
//
// It owns CRC-32C, record batch validation, segments with offset/time indexes,
// partition logs (append/read/ListOffsets), recovery after crashes, retention,
// compaction (the log cleaner, in cleaner/: key map, record filter, segment rewrite with
// a crash-safe swap, cleanable ranges), group-committed fsync on a flusher thread,
// idempotent producer state, and the topic metadata of the log directory. Everything but
// fsync runs on the event loop thread (today the cleaner too, called synchronously); the
// module does not depend on the protocol library or on Asio.
#pragma once

#include "samsa/storage/batch_builder.h"
#include "samsa/storage/cleaner/cleanable.h"
#include "samsa/storage/cleaner/keyless.h"
#include "samsa/storage/cleaner/offset_map.h"
#include "samsa/storage/cleaner/record_filter.h"
#include "samsa/storage/cleaner/segment_cleaner.h"
#include "samsa/storage/compression.h"
#include "samsa/storage/crc32c.h"
#include "samsa/storage/flusher.h"
#include "samsa/storage/log_config.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/producer_state.h"
#include "samsa/storage/record_batch.h"
#include "samsa/storage/segment.h"
#include "samsa/storage/varint.h"
