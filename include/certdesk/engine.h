/* engine.h: engine control (placeholder until it lands). */
