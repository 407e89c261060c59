program 'constant_effort_v0_0_1'
  constants: 5  fields: 1  code: 45 bytes
  field table: user.recent_measurements_count
  runs pre: False  runs post: False
  certificate: full 15 steps, 1 fetches  pre 1 steps, 0 fetches  post 1 steps, 0 fetches

full:  [0, 43)
     0  FIELD              @0 user.recent_measurements_count
     3  CONST              #0 0
     6  CMP_JUMP_IF_FALSE  '>', -> 37                    ; r_constant_effort_reward.compare.0
    11  FIELD              @0 user.recent_measurements_count
    14  CONST              #1 1
    17  ADD                                              ; r_constant_effort_reward.assign_points.0.func_call.0.func_call.0.arith.0.arith.0.arith.0
    18  CONST              #2 100
    21  DIV                                              ; r_constant_effort_reward.assign_points.0.func_call.0.func_call.0.arith.0.arith.0
    22  CONST              #2 100
    25  MUL                                              ; r_constant_effort_reward.assign_points.0.func_call.0.func_call.0.arith.0
    26  INT                                              ; r_constant_effort_reward.assign_points.0.func_call.0.func_call.0
    27  CONST              #1 1
    30  CONST              #2 100
    33  CLAMP                                            ; r_constant_effort_reward.assign_points.0.func_call.0
    34  ASSIGN_POINTS      #3 'ConstantEffortReward'     ; r_constant_effort_reward.assign_points.0
    37  CONST              #1 1
    40  ASSIGN_POINTS      #4 'BasicReward'              ; constant_effort_v0_0_1.assign_points.0

pre:  [43, 44)
    43  HALT

post:  [44, 45)
    44  HALT
