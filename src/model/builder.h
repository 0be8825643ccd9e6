// Assembles a Graph op by op: each call creates the op's output tensor with the shape and type
// infer_output_shapes() gives, so a graph built here is consistent by construction. Used by the
// tests and by the converter.
//
//   GraphBuilder b;
//   int x = b.input("x", {1, 599, 1});
//   int w = b.constant("conv1/w", {16, 1, 5, 1}, weights);   // OHWI
//   int y = b.conv1d(x, w, b.constant("conv1/b", {16}, bias), Padding::same, Activation::relu);
//   b.output(b.fully_connected(b.flatten(y), w2, b2));
//   Graph g = b.finish();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.h"

namespace nilm::model {

class GraphBuilder {
 public:
  // ---- tensors ----
  int input(const std::string& name, Shape shape, ElementType type = ElementType::f32);
  void output(int tensor);
  int constant(const std::string& name, Shape shape, const std::vector<float>& values);
  int constant_i32(const std::string& name, Shape shape, const std::vector<std::int32_t>& values);
  int constant_raw(const std::string& name, Shape shape, ElementType type,
                   std::vector<std::uint8_t> bytes, std::optional<Quantization> quantization = {});

  // ---- any op ----
  // Adds `kind` reading `inputs` (-1 for an absent optional input); creates its outputs
  // (named `name`, or "<op name lower-case>_<n>") with inferred shapes. The output type is the
  // first input's, except dequantize (f32) and quantize (`out_type`). Returns the first output.
  int op(OpKind kind, std::vector<int> inputs, OpAttrs attrs = NoAttrs{},
         const std::string& name = "", ElementType out_type = ElementType::f32);

  // ---- conveniences for the NILM models ----
  int conv2d(int x, int weights, int bias, Padding padding, Activation activation,
             int stride = 1, int dilation = 1);
  // x [N, W, C], weights [O, 1, K, C]: reshape to [N, 1, W, C], CONV_2D, reshape back.
  int conv1d(int x, int weights, int bias, Padding padding, Activation activation,
             int stride = 1, int dilation = 1);
  int max_pool2d(int x, int filter_h, int filter_w, int stride_h, int stride_w, Padding padding);
  int average_pool2d(int x, int filter_h, int filter_w, int stride_h, int stride_w, Padding padding);
  // x [N, W, C]: pool over W through a [N, 1, W, C] view.
  int max_pool1d(int x, int size, int stride, Padding padding);
  int average_pool1d(int x, int size, int stride, Padding padding);
  int fully_connected(int x, int weights, int bias, Activation activation = Activation::none,
                      bool keep_num_dims = false);
  int reshape(int x, Shape new_shape);  // writes the shape as an int32 constant too (as TFLite)
  int flatten(int x);                   // [N, ...] -> [N, product]
  int transpose(int x, const std::vector<int>& permutation);
  int concatenation(const std::vector<int>& xs, int axis);
  int mean(int x, const std::vector<int>& axes, bool keep_dims);
  int add(int a, int b, Activation activation = Activation::none);
  int sub(int a, int b, Activation activation = Activation::none);
  int mul(int a, int b, Activation activation = Activation::none);
  int div(int a, int b, Activation activation = Activation::none);
  int squared_difference(int a, int b);
  int pow(int a, int b);
  int unary(OpKind kind, int x);  // sqrt, rsqrt, tanh, relu, logistic
  int gelu(int x, bool approximate);
  int softmax(int x, float beta = 1.0f);
  int batch_matmul(int a, int b, bool adj_x = false, bool adj_y = false);
  int quantize(int x, ElementType type, Quantization quantization);
  int dequantize(int x);

  void set_metadata(const std::string& key, const std::string& value);
  void rename(int tensor, const std::string& name);
  Graph& graph() { return graph_; }
  const Tensor& tensor(int index) const { return graph_.tensor(index); }

  // Validates (nilm::Error on any inconsistency) and hands the graph over.
  Graph finish();

 private:
  std::string fresh_name(OpKind kind);
  Graph graph_;
  int counter_ = 0;
};

}  // namespace nilm::model
