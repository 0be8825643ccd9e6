#include "train/checkpoint.h"

#include "core/error.h"

namespace nilm::train {

using nlohmann::json;

CheckpointFile make_checkpoint(Seq2PointNet& model, const CheckpointMeta& meta) {
  CheckpointFile file;
  file.meta = to_json(meta);
  json layers = json::array();
  for (const auto& layer : model.layers()) {
    json entry = {{"name", layer.name}, {"kind", layer.kind}};
    json params = json::array();
    if (layer.module)
      for (const auto& p : layer.module->named_parameters(/*recurse=*/true))
        params.push_back(layer.name + "." + p.key());
    else if (model.named_parameters(/*recurse=*/false).contains(layer.name))
      params.push_back(layer.name);  // a parameter of the model itself (position embeddings)
    entry["parameters"] = params;
    layers.push_back(entry);
  }
  file.meta["layers"] = layers;
  torch::NoGradGuard no_grad;
  for (const auto& p : model.named_parameters(/*recurse=*/true)) {
    auto t = p.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
    TensorBlob blob;
    blob.name = p.key();
    blob.shape.assign(t.sizes().begin(), t.sizes().end());
    blob.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    file.tensors.push_back(std::move(blob));
  }
  return file;
}

void load_weights(Seq2PointNet& model, const CheckpointFile& file, const std::string& path) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters(/*recurse=*/true)) {
    const TensorBlob* blob = file.find(p.key());
    if (!blob) fail(path + ": tensor '" + p.key() + "' is missing");
    auto& dst = p.value();
    std::vector<std::int64_t> shape(dst.sizes().begin(), dst.sizes().end());
    if (blob->shape != shape)
      fail(path + ": tensor '" + p.key() + "' has shape " + json(blob->shape).dump() +
           ", the model needs " + json(shape).dump());
    auto src = torch::from_blob(const_cast<float*>(blob->data.data()), dst.sizes(), torch::kFloat32);
    dst.copy_(src);
  }
}

LoadedModel load_model(const std::string& path) {
  CheckpointFile file = read_checkpoint_file(path);
  LoadedModel m;
  m.meta = checkpoint_meta_from_json(file.meta, path);
  m.net = build_model(m.meta.model);
  load_weights(*m.net, file, path);
  return m;
}

}  // namespace nilm::train
