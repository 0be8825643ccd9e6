// Batched inference for models converted with batch 1: a copy of the graph whose inputs take
// `batch` windows. Weight layers then read each weight once per `batch` windows (the CNN's
// 40 MB dense layer is otherwise streamed from memory for every single window).
#pragma once

#include "model/graph.h"

namespace nilm::runtime {

// Every graph input's first dimension must be 1 and becomes `batch`; RESHAPE targets whose
// first dimension is 1 follow it; every other shape is re-inferred op by op. Constants are
// shared with `graph`, not copied. The result is validated; throws nilm::Error (naming the op)
// when the graph does not rebatch this way (run it with batch 1 then).
model::Graph rebatch(const model::Graph& graph, int batch);

}  // namespace nilm::runtime
