program 'tiered_reward'
  constants: 20  fields: 5  code: 138 bytes
  field table: user.avg_time, all.avg_time, user.recent_measurements_count, user.measurements_count, task.measurements_count
  runs pre: False  runs post: False
  certificate: full 30 steps, 5 fetches  pre 1 steps, 0 fetches  post 1 steps, 0 fetches

full:  [0, 136)
     0  FIELD              @0 user.avg_time
     3  FIELD              @1 all.avg_time
     6  CONST              #0 0.5
     9  MUL                                              ; speed_tiers.compare.0.arith.1
    10  CMP_JUMP_IF_FALSE  '<=', -> 21                   ; speed_tiers.compare.0
    15  CONST              #1 20
    18  ASSIGN_POINTS      #2 'Gold'                     ; speed_tiers.assign_points.0
    21  FIELD              @0 user.avg_time
    24  FIELD              @1 all.avg_time
    27  CONST              #3 0.8
    30  MUL                                              ; speed_tiers.else_if.0.compare.0.arith.1
    31  CMP_JUMP_IF_FALSE  '<=', -> 42                   ; speed_tiers.else_if.0.compare.0
    36  CONST              #4 10
    39  ASSIGN_POINTS      #5 'Silver'                   ; speed_tiers.else_if.0.assign_points.0
    42  FIELD              @0 user.avg_time
    45  FIELD              @1 all.avg_time
    48  CMP_JUMP_IF_FALSE  '<', -> 59                    ; speed_tiers.else_if.1.compare.0
    53  CONST              #6 5
    56  ASSIGN_POINTS      #7 'Bronze'                   ; speed_tiers.else_if.1.assign_points.0
    59  CONST              #8 'none'
    62  SET_CALLBACK       #9 'tier'
    65  FIELD              @2 user.recent_measurements_count
    68  CONST              #10 3
    71  CMP_JUMP_IF_TRUE   '>=', -> 87                   ; streak.or.0.compare.0
    76  DATA               #11 'streak'
    79  CONST              #12 None
    82  CMP_JUMP_IF_FALSE  '!=', -> 105                  ; streak.or.0.compare.1
    87  FIELD              @2 user.recent_measurements_count
    90  CONST              #13 2.5
    93  MUL                                              ; streak.assign_points.0.func_call.0.func_call.0.arith.0
    94  INT                                              ; streak.assign_points.0.func_call.0.func_call.0
    95  CONST              #14 1
    98  CONST              #15 50
   101  CLAMP                                            ; streak.assign_points.0.func_call.0
   102  ASSIGN_POINTS      #16 'Streak'                  ; streak.assign_points.0
   105  FIELD              @3 user.measurements_count
   108  CONST              #17 0
   111  CMP_JUMP_IF_TRUE   '>', -> 130                   ; newcomer.not.0.compare.0
   116  CONST              #14 1
   119  FIELD              @4 task.measurements_count
   122  CONST              #10 3
   125  MIN                                              ; newcomer.assign_points.0.arith.0.arith.1
   126  MAX                                              ; newcomer.assign_points.0.arith.0
   127  ASSIGN_POINTS      #18 'Newcomer'                ; newcomer.assign_points.0
   130  CONST              #14 1
   133  ASSIGN_POINTS      #19 'Participation'           ; tiered_reward.assign_points.0

pre:  [136, 137)
   136  HALT

post:  [137, 138)
   137  HALT
