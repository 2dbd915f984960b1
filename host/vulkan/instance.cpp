#include "host/vulkan/instance.h"

#include <cstring>
#include <string_view>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool has_layer(const char* name) {
  uint32_t count = 0;
  VKLLM_VK_CHECK(vkEnumerateInstanceLayerProperties(&count, nullptr));
  std::vector<VkLayerProperties> layers(count);
  VKLLM_VK_CHECK(vkEnumerateInstanceLayerProperties(&count, layers.data()));
  for (const auto& layer : layers)
    if (std::strcmp(layer.layerName, name) == 0) return true;
  return false;
}

bool has_instance_extension(const char* name) {
  uint32_t count = 0;
  VKLLM_VK_CHECK(vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr));
  std::vector<VkExtensionProperties> extensions(count);
  VKLLM_VK_CHECK(vkEnumerateInstanceExtensionProperties(nullptr, &count, extensions.data()));
  for (const auto& extension : extensions)
    if (std::strcmp(extension.extensionName, name) == 0) return true;
  return false;
}

}  // namespace

Instance::Instance(const RuntimeOptions& options) : options_(options) {
  uint32_t loader_version = VK_API_VERSION_1_0;
  VKLLM_VK_CHECK(vkEnumerateInstanceVersion(&loader_version));
  if (loader_version < VK_API_VERSION_1_2)
    fail("the Vulkan loader supports API {}.{}; vkllm needs 1.2", VK_API_VERSION_MAJOR(loader_version),
         VK_API_VERSION_MINOR(loader_version));

  std::vector<const char*> layers;
  std::vector<const char*> extensions;
  if (options_.validation) {
    if (!has_layer(kValidationLayer))
      fail("VKLLM_VALIDATE is set but {} is not installed (package vulkan-validationlayers)", kValidationLayer);
    if (!has_instance_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
      fail("VKLLM_VALIDATE is set but {} is missing", VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }

  auto app = make_struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "vkllm";
  app.pEngineName = "vkllm";
  app.apiVersion = VK_API_VERSION_1_3;

  // Messages from instance creation itself go through this chained messenger.
  auto messenger_info = make_struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
  messenger_info.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messenger_info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messenger_info.pfnUserCallback = &Instance::on_message;
  messenger_info.pUserData = this;

  auto info = make_struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  info.pNext = options_.validation ? &messenger_info : nullptr;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = uint32_t(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = uint32_t(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  VKLLM_VK_CHECK(vkCreateInstance(&info, nullptr, &instance_));

  if (options_.validation) {
    auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    set_object_name_ = reinterpret_cast<PFN_vkSetDebugUtilsObjectNameEXT>(
        vkGetInstanceProcAddr(instance_, "vkSetDebugUtilsObjectNameEXT"));
    VKLLM_ASSERT(create_messenger != nullptr, "debug utils extension enabled but not loaded");
    const VkResult result = create_messenger(instance_, &messenger_info, nullptr, &messenger_);
    if (result != VK_SUCCESS) vkDestroyInstance(instance_, nullptr);
    VKLLM_VK_CHECK(result);
  }
  spdlog::debug("vulkan: instance created (validation {})", options_.validation ? "on" : "off");
}

Instance::~Instance() {
  if (messenger_ != VK_NULL_HANDLE) {
    auto destroy_messenger = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    destroy_messenger(instance_, messenger_, nullptr);
  }
  vkDestroyInstance(instance_, nullptr);
}

std::vector<VkPhysicalDevice> Instance::physical_devices() const {
  uint32_t count = 0;
  VKLLM_VK_CHECK(vkEnumeratePhysicalDevices(instance_, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  VKLLM_VK_CHECK(vkEnumeratePhysicalDevices(instance_, &count, devices.data()));
  devices.resize(count);
  return devices;
}

void Instance::set_object_name(VkDevice device, VkObjectType type, uint64_t handle, const char* name) const {
  if (set_object_name_ == nullptr) return;
  auto info = make_struct<VkDebugUtilsObjectNameInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT);
  info.objectType = type;
  info.objectHandle = handle;
  info.pObjectName = name;
  VKLLM_VK_CHECK(set_object_name_(device, &info));
}

VkBool32 VKAPI_CALL Instance::on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                         VkDebugUtilsMessageTypeFlagsEXT types,
                                         const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* self = static_cast<Instance*>(user);
  self->validation_messages_.fetch_add(1);
  const bool error = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) != 0;
  const char* id = data->pMessageIdName != nullptr ? data->pMessageIdName : "?";
  if (error)
    spdlog::error("vulkan validation [{}]: {}", id, data->pMessage);
  else
    spdlog::warn("vulkan validation [{}]: {}", id, data->pMessage);
  return VK_FALSE;
}

}  // namespace vkllm::vk
