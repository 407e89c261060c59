program 'default_v0_0_2'
  constants: 15  fields: 6  code: 188 bytes
  field table: task.measurements_count, user.measurements_count, user.avg_time, all.avg_time, user.new_last_window_diff, user.last_window_diff
  runs pre: False  runs post: False
  certificate: full 46 steps, 6 fetches  pre 1 steps, 0 fetches  post 1 steps, 0 fetches

full:  [0, 186)
     0  FIELD              @0 task.measurements_count
     3  CONST              #0 2
     6  CMP_JUMP_IF_FALSE  '<', -> 17                    ; r_basic_engagement.compare.0
    11  CONST              #1 1
    14  ASSIGN_POINTS      #2 'BasicEngagement'          ; r_basic_engagement.assign_points.0
    17  FIELD              @1 user.measurements_count
    20  CONST              #0 2
    23  CMP_JUMP_IF_FALSE  '<=', -> 34                   ; r_user_low_count_default.compare.0
    28  CONST              #1 1
    31  ASSIGN_POINTS      #3 'default'                  ; r_user_low_count_default.assign_points.0
    34  FIELD              @2 user.avg_time
    37  FIELD              @3 all.avg_time
    40  CMP_JUMP_IF_FALSE  '<', -> 51                    ; r_performance_bonus.compare.0
    45  CONST              #4 11
    48  ASSIGN_POINTS      #5 'PerformanceBonus'         ; r_performance_bonus.assign_points.0
    51  FIELD              @4 user.new_last_window_diff
    54  FIELD              @5 user.last_window_diff
    57  SUB                                              ; r_individual_over_global.and.0.compare.0.arith.0
    58  CONST              #6 0
    61  CMP_JUMP_IF_FALSE  '>', -> 87                    ; r_individual_over_global.and.0.compare.0
    66  FIELD              @4 user.new_last_window_diff
    69  FIELD              @5 user.last_window_diff
    72  SUB                                              ; r_individual_over_global.and.0.compare.1.arith.0
    73  FIELD              @3 all.avg_time
    76  CMP_JUMP_IF_FALSE  '<', -> 87                    ; r_individual_over_global.and.0.compare.1
    81  CONST              #7 3
    84  ASSIGN_POINTS      #8 'IndividualOverGlobal'     ; r_individual_over_global.assign_points.0
    87  FIELD              @4 user.new_last_window_diff
    90  FIELD              @5 user.last_window_diff
    93  SUB                                              ; r_peak_performer.and.0.compare.0.arith.0
    94  CONST              #6 0
    97  CMP_JUMP_IF_FALSE  '>', -> 123                   ; r_peak_performer.and.0.compare.0
   102  FIELD              @4 user.new_last_window_diff
   105  FIELD              @5 user.last_window_diff
   108  SUB                                              ; r_peak_performer.and.0.compare.1.arith.0
   109  FIELD              @2 user.avg_time
   112  CMP_JUMP_IF_FALSE  '<', -> 123                   ; r_peak_performer.and.0.compare.1
   117  CONST              #9 15
   120  ASSIGN_POINTS      #10 'PeakPerformerBonus'      ; r_peak_performer.assign_points.0
   123  FIELD              @4 user.new_last_window_diff
   126  FIELD              @5 user.last_window_diff
   129  SUB                                              ; r_global_advantage.and.0.compare.0.arith.0
   130  CONST              #6 0
   133  CMP_JUMP_IF_FALSE  '>', -> 159                   ; r_global_advantage.and.0.compare.0
   138  FIELD              @4 user.new_last_window_diff
   141  FIELD              @5 user.last_window_diff
   144  SUB                                              ; r_global_advantage.and.0.compare.1.arith.0
   145  FIELD              @2 user.avg_time
   148  CMP_JUMP_IF_FALSE  '>', -> 159                   ; r_global_advantage.and.0.compare.1
   153  CONST              #11 7
   156  ASSIGN_POINTS      #12 'GlobalAdvantageAdjustment' ; r_global_advantage.assign_points.0
   159  FIELD              @4 user.new_last_window_diff
   162  FIELD              @5 user.last_window_diff
   165  SUB                                              ; r_individual_adjustment.compare.0.arith.0
   166  CONST              #6 0
   169  CMP_JUMP_IF_FALSE  '<', -> 180                   ; r_individual_adjustment.compare.0
   174  CONST              #13 8
   177  ASSIGN_POINTS      #14 'IndividualAdjustment'    ; r_individual_adjustment.assign_points.0
   180  CONST              #1 1
   183  ASSIGN_POINTS      #3 'default'                  ; default_v0_0_2.assign_points.0

pre:  [186, 187)
   186  HALT

post:  [187, 188)
   187  HALT
