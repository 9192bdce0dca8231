// DeleteGroups (key 42), v0-2: only Empty groups can be deleted (NON_EMPTY_GROUP
// otherwise); the answer waits for the tombstones to be durable.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_delete_groups(ContextPtr ctx, protocol::DeleteGroupsRequest request) {
  auto answer = [ctx, names = request.groups_names](std::vector<ErrorCode> errors) {
    protocol::DeleteGroupsResponse response;
    for (size_t i = 0; i < names.size(); ++i) {
      protocol::DeleteGroupsResponse::DeletableGroupResult result;
      result.group_id = names[i];
      result.error_code = to_wire(i < errors.size() ? errors[i] : ErrorCode::UNKNOWN_SERVER_ERROR);
      response.results.push_back(std::move(result));
    }
    ctx->respond(response);
  };
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups)
    return answer(
        std::vector<ErrorCode>(request.groups_names.size(), ErrorCode::COORDINATOR_NOT_AVAILABLE));
  groups->delete_groups(request.groups_names, std::move(answer));
}

}  // namespace samsa::broker
